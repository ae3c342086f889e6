# tests/hazptr: unit, lifecycle, torture and store-buffering tests, plus the
# same programs rebuilt with boundary constants (tiny.h) and with local mode
# off (lib-shared.c: shared list and hand-back), and sb-broken, the
# SB test with its own fence-less reader (SB_BROKEN_READER, test-local).
# The list is tests.list.

HZT := $(B)/tests/hazptr

HZ_PROGS  := unit torture lifecycle sb features cohort hold
HZ_TINY   := unit-tiny torture-tiny lifecycle-tiny
HZ_SHARED := unit-shared torture-shared lifecycle-shared features-shared cohort-shared
HZ_BROKEN := sb-broken

HZ_BINS := $(addprefix $(HZT)/hazptr-,$(HZ_PROGS) $(HZ_TINY) $(HZ_SHARED) $(HZ_BROKEN))

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

# Under SAN=thread, ThreadSanitizer's runtime puts ~100 ns of shadow-memory
# work between the broken reader's slot store and its re-load, which drains
# the store buffer and hides the very reordering sb-broken must show.  That
# object is therefore built uninstrumented (the binary still links the TSAN
# runtime); every other test, including the correct SB test, is
# instrumented.
ifeq ($(SAN),thread)
$(HZT)/sb-broken.o: CFLAGS += -fno-sanitize=thread
endif
