# bench/hazptr: hazptr-bench, libhazptr against the bare asymmetric-fence
# slot (the limit), refcount, ck_hp (libck-dev) and liburcu memb/qsbr
# (liburcu-dev, read side inlined with _LGPL_SOURCE).

BINS += $(B)/hazptr-bench

$(B)/hazptr-bench: $(B)/bench/hazptr/hazptr-bench.o $(B)/libhazptr.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lck -lurcu-memb -lurcu-qsbr
