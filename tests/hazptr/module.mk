# tests/hazptr: unit, lifecycle, torture and store-buffering tests, plus the
# same programs rebuilt with boundary constants (tiny.h) and the deliberately
# broken reader (HAZPTR_TEST_BROKEN_READER).  The list is tests.list.

HZT := $(B)/tests/hazptr

HZ_PROGS  := unit
HZ_TINY   := unit-tiny
HZ_BROKEN :=

HZ_BINS := $(addprefix $(HZT)/hazptr-,$(HZ_PROGS) $(HZ_TINY) $(HZ_BROKEN))

TEST_BINS  += $(HZ_BINS)
TEST_LISTS += tests/hazptr/tests.list

$(addprefix $(HZT)/hazptr-,$(HZ_PROGS)): $(HZT)/hazptr-%: $(HZT)/%.o $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(addprefix $(HZT)/hazptr-,$(HZ_TINY)): $(HZT)/hazptr-%: $(HZT)/%.o $(HZT)/lib-tiny.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(addprefix $(HZT)/hazptr-,$(HZ_BROKEN)): $(HZT)/hazptr-%: $(HZT)/%.o $(HZT)/lib-broken.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^
