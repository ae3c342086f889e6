# bench/common: what the benchmarks share (host metadata, statistics as
# pure functions, list parsing, pinning), as one static library.
BENCH_COMMON_SRCS := $(wildcard bench/common/*.c)
BENCH_COMMON_OBJS := $(BENCH_COMMON_SRCS:%.c=$(B)/%.o)
BENCH_COMMON_LIB  := $(B)/libbenchcommon.a

$(BENCH_COMMON_LIB): $(BENCH_COMMON_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
