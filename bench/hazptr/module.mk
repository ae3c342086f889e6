# bench/hazptr: hazptr-bench, libhazptr against the bare asymmetric-fence
# slot (the limit), refcount, ck_hp (libck-dev) and liburcu memb/qsbr
# (liburcu-dev, read side inlined with _LGPL_SOURCE), on bench/common
# (host metadata, medians, list parsing, pinning).  One file per concern:
# hzbench.h says which.  (bench/common/module.mk is included after this
# fragment, so its library is named here, not through BENCH_COMMON_LIB.)

HZB_SRCS := $(wildcard bench/hazptr/*.c)
HZB_OBJS := $(HZB_SRCS:%.c=$(B)/%.o)

BINS += $(B)/hazptr-bench

$(B)/hazptr-bench: $(HZB_OBJS) $(B)/libhazptr.a $(B)/libbenchcommon.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lck -lurcu-memb -lurcu-qsbr -lm
