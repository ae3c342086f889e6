# bench/lazymm: the model benchmark, `lazymm bench` (linked into lazymm).
BENCH_LAZYMM_SRCS := $(wildcard bench/lazymm/*.c)
BENCH_LAZYMM_OBJS := $(BENCH_LAZYMM_SRCS:%.c=$(B)/%.o)
