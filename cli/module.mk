# The lazymm command line: torture, scenarios, mutants, bench.
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/%.o)
BINS     += $(B)/lazymm

$(B)/lazymm: $(CLI_OBJS) $(MODEL_LIB) $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(MODEL_LIB) $(B)/libhazptr.a -lm
