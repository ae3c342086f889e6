# The lazymm command line: torture, litmus, bench (bench/lazymm/), and thin
# wrappers that run the scenario and mutant test programs (tests/model/).
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/%.o)
BINS     += $(B)/lazymm

$(B)/lazymm: $(CLI_OBJS) $(BENCH_LAZYMM_OBJS) $(BENCH_COMMON_LIB) $(MODEL_LIB) $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BENCH_LAZYMM_OBJS) $(BENCH_COMMON_LIB) $(MODEL_LIB) $(B)/libhazptr.a -lm
