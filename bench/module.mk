# bench: hazptr-bench, libhazptr against refcount, ck_hp (libck-dev) and
# liburcu memb/qsbr (liburcu-dev, read side inlined with _LGPL_SOURCE).

BINS += $(B)/hazptr-bench

# The project compiles everything -fPIC, which makes an executable reach
# liburcu's `extern __thread` reader state through __tls_get_addr() on every
# read_lock.  An ordinary (PIE) executable uses the initial-exec model; so
# does this one, or the urcu rows would be charged for our build flags.
$(B)/bench/hazptr-bench.o: CFLAGS += -ftls-model=initial-exec

$(B)/hazptr-bench: $(B)/bench/hazptr-bench.o $(B)/libhazptr.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lck -lurcu-memb -lurcu-qsbr
