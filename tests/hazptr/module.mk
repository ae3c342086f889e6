# tests/hazptr: unit, lifecycle, torture and store-buffering tests, plus the
# same programs rebuilt with boundary constants (tiny.h) and with local mode
# off (lib-shared.c: shared list and hand-back), sb-broken, the SB test
# with its own fence-less reader (SB_BROKEN_READER, test-local), and
# cache-race-broken and cache-race-stealfence, the cache race hunt over a
# library whose retire-cache handshake is broken on the owner's side
# (lib-nohandshake.c) or the stealer's (lib-stealfence.c).
# The list is tests.list.

HZT := $(B)/tests/hazptr

HZ_PROGS  := unit torture lifecycle sb features cohort hold cache-race
HZ_TINY   := unit-tiny torture-tiny lifecycle-tiny
HZ_SHARED := unit-shared torture-shared lifecycle-shared features-shared cohort-shared
HZ_BROKEN := sb-broken
HZ_MUTANT := cache-race-broken cache-race-stealfence

HZ_BINS := $(addprefix $(HZT)/hazptr-,$(HZ_PROGS) $(HZ_TINY) $(HZ_SHARED) $(HZ_BROKEN) $(HZ_MUTANT))

TEST_BINS  += $(HZ_BINS)
TEST_LISTS += tests/hazptr/tests.list

$(addprefix $(HZT)/hazptr-,$(HZ_PROGS)): $(HZT)/hazptr-%: $(HZT)/%.o $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(addprefix $(HZT)/hazptr-,$(HZ_TINY)): $(HZT)/hazptr-%: $(HZT)/%.o $(HZT)/lib-tiny.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(addprefix $(HZT)/hazptr-,$(HZ_SHARED)): $(HZT)/hazptr-%: $(HZT)/%.o $(HZT)/lib-shared.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(addprefix $(HZT)/hazptr-,$(HZ_BROKEN)): $(HZT)/hazptr-%: $(HZT)/%.o $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# The cache-handshake mutants, each with its own copy of the library.
$(HZT)/hazptr-cache-race-broken: $(HZT)/cache-race-broken.o $(HZT)/lib-nohandshake.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(HZT)/hazptr-cache-race-stealfence: $(HZT)/cache-race-stealfence.o $(HZT)/lib-stealfence.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Under SAN=thread, ThreadSanitizer's runtime puts ~100 ns of shadow-memory
# work between the broken reader's slot store and its re-load, which drains
# the store buffer and hides the very reordering sb-broken must show.  That
# object is therefore built uninstrumented (the binary still links the TSAN
# runtime); every other test, including the correct SB test, is
# instrumented.
ifeq ($(SAN),thread)
$(HZT)/sb-broken.o: CFLAGS += -fno-sanitize=thread
endif
# The same for the cache mutants' library copies: instrumented, the
# library's HAZPTR_TSAN_ build gives the owner a full fence, which would
# make lib-stealfence.c correct again.
ifeq ($(SAN),thread)
$(HZT)/lib-nohandshake.o $(HZT)/lib-stealfence.o: CFLAGS += -fno-sanitize=thread
endif
