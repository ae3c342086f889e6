/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unit-pcpu.c - the per-CPU domain and misuse parts of unit.c, which
 * includes this file (so that unit-tiny.c and unit-shared.c get them too);
 * not built on its own.
 */
/* ---- per-CPU domains ---- */

struct pmatch {
	int n;
	unsigned int cpu[8];
	struct hazptr_pcpu_slot *slot[8];
};

static void on_pmatch(void *arg, unsigned int cpu, struct hazptr_pcpu_slot *slot, void *addr)
{
	struct pmatch *m = arg;

	(void)addr;
	if (m->n < 8) {
		m->cpu[m->n] = cpu;
		m->slot[m->n] = slot;
	}
	m->n++;
}

struct pholder {
	struct hazptr_pcpu_domain *d;
	struct hazptr_pcpu_slot *s;
	void *addr;
	unsigned int hold_us;
	_Atomic int cleared;
};

static void *pcpu_clearer(void *arg)
{
	struct pholder *h = arg;

	t_sleep_us(h->hold_us);
	atomic_store(&h->cleared, 1);
	hazptr_pcpu_clear(h->s, h->addr);
	return NULL;
}

static void test_pcpu(void)
{
	struct hazptr_pcpu_domain *d;
	struct hazptr_pcpu_slot *s0, *s1, *s2, *o;
	struct hazptr_pcpu_stats st;
	struct pmatch m = { 0 };
	int a, b;
	uint64_t t0;
	pthread_t t;

	errno = 0;
	CHECK(hazptr_pcpu_domain_create(0, 1) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(hazptr_pcpu_domain_create(4, 0) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(hazptr_pcpu_domain_create(~0u, ~0u) == NULL && errno == EINVAL);

	d = hazptr_pcpu_domain_create(4, 2);
	CHECK(d != NULL);
	CHECK_EQ(hazptr_pcpu_nr_cpus(d), 4);
	CHECK_EQ(hazptr_pcpu_slots_per_cpu(d), 2);
	CHECK(hazptr_pcpu_try_protect(d, 1, NULL) == NULL);
	s0 = hazptr_pcpu_try_protect(d, 1, &a);
	s1 = hazptr_pcpu_try_protect(d, 1, &b);
	s2 = hazptr_pcpu_try_protect(d, 1, &a);		/* cpu 1 is full */
	o = hazptr_pcpu_try_protect(d, 3, &a);
	CHECK(s0 && s1 && !s2 && o && s0 != s1);
	/* Each CPU's slots start a cache line; CPUs never share one. */
	CHECK(((uintptr_t)s0 & 63) == 0);
	CHECK(((uintptr_t)o & 63) == 0);
	CHECK((uintptr_t)o - (uintptr_t)s0 >= 2 * 64);
	CHECK(hazptr_pcpu_load(d, 1, 0) == &a);
	CHECK(hazptr_pcpu_load(d, 1, 1) == &b);
	CHECK(hazptr_pcpu_load(d, 0, 0) == NULL);
	CHECK(hazptr_pcpu_load(d, 3, 0) == &a);

	CHECK_EQ(hazptr_pcpu_scan(d, &a, on_pmatch, &m), 2);
	CHECK_EQ(m.n, 2);
	CHECK(m.cpu[0] == 1 && m.slot[0] == s0);
	CHECK(m.cpu[1] == 3 && m.slot[1] == o);
	CHECK_EQ(hazptr_pcpu_scan(d, &b, NULL, NULL), 1);
	CHECK_EQ(hazptr_pcpu_scan(d, NULL, NULL, NULL), 0);
	hazptr_pcpu_stats(d, &st);
	CHECK_EQ(st.scans, 3);
	CHECK_EQ(st.slots_read, 3 * 4 * 2);
	CHECK_EQ(st.matches, 3);

	/* synchronize: bounded, then successful once the holders clear */
	CHECK_EQ(hazptr_pcpu_synchronize(d, NULL, 0), -EINVAL);
	CHECK_EQ(hazptr_pcpu_synchronize(d, &b, 0), -ETIMEDOUT);
	t0 = t_now_ns();
	CHECK_EQ(hazptr_pcpu_synchronize(d, &a, 2 * 1000 * 1000), -ETIMEDOUT);
	CHECK(t_now_ns() - t0 >= 2 * 1000 * 1000);
	hazptr_pcpu_clear(o, &a);
	{
		struct pholder h = { d, s0, &a, 20000, 0 };

		t_create(&t, pcpu_clearer, &h);
		CHECK_EQ(hazptr_pcpu_synchronize(d, &a, UINT64_MAX), 0);
		CHECK_EQ(atomic_load(&h.cleared), 1);
		t_join(t);
	}
	CHECK(hazptr_pcpu_load(d, 1, 0) == NULL);
	/* The freed slot is reused first. */
	CHECK(hazptr_pcpu_try_protect(d, 1, &a) == s0);
	hazptr_pcpu_clear(s0, &a);
	hazptr_pcpu_clear(s1, &b);
	CHECK_EQ(hazptr_pcpu_synchronize(d, &b, 0), 0);
	hazptr_pcpu_stats(d, &st);
	CHECK_EQ(st.synchronizes, 4);
	CHECK(st.slots_read > 3 * 4 * 2);
	hazptr_pcpu_domain_destroy(d);
	hazptr_pcpu_domain_destroy(NULL);

	/* Many slots per CPU span several lines, still per-CPU aligned. */
	d = hazptr_pcpu_domain_create(3, 9);
	CHECK(d != NULL);
	{
		struct hazptr_pcpu_slot *ss[10];

		for (int i = 0; i < 9; i++)
			CHECK((ss[i] = hazptr_pcpu_try_protect(d, 2, &a)) != NULL);
		CHECK(hazptr_pcpu_try_protect(d, 2, &a) == NULL);
		CHECK((ss[9] = hazptr_pcpu_try_protect(d, 1, &a)) != NULL);
		CHECK(((uintptr_t)ss[9] & 63) == 0 && ((uintptr_t)ss[0] & 63) == 0);
		CHECK((uintptr_t)ss[0] - (uintptr_t)ss[9] == 16 * sizeof(void *));
		CHECK_EQ(hazptr_pcpu_scan(d, &a, NULL, NULL), 10);
		for (int i = 0; i < 10; i++)
			hazptr_pcpu_clear(ss[i], &a);
	}
	CHECK_EQ(hazptr_pcpu_scan(d, &a, NULL, NULL), 0);
	hazptr_pcpu_domain_destroy(d);
}

/* ---- misuse: must abort with a message naming the call ---- */

static void bad_retire_null_obj(void *arg)
{
	(void)arg;
	hazptr_retire(NULL, NULL, &t_failures, node_reclaim);
}

static void bad_retire_null_addr(void *arg)
{
	struct hazptr_obj o = { 0 };

	(void)arg;
	hazptr_retire(NULL, &o, NULL, node_reclaim);
}

static void bad_retire_null_fn(void *arg)
{
	struct hazptr_obj o = { 0 };

	(void)arg;
	hazptr_retire(NULL, &o, &o, NULL);
}

static void bad_pcpu_double_clear(void *arg)
{
	struct hazptr_pcpu_domain *d = hazptr_pcpu_domain_create(2, 1);
	struct hazptr_pcpu_slot *s = hazptr_pcpu_try_protect(d, 0, arg);

	hazptr_pcpu_clear(s, arg);
	hazptr_pcpu_clear(s, arg);
}

static void bad_pcpu_wrong_clear(void *arg)
{
	struct hazptr_pcpu_domain *d = hazptr_pcpu_domain_create(2, 1);
	struct hazptr_pcpu_slot *s = hazptr_pcpu_try_protect(d, 0, arg);

	hazptr_pcpu_clear(s, &t_failures);
}

static void bad_pcpu_destroy_busy(void *arg)
{
	struct hazptr_pcpu_domain *d = hazptr_pcpu_domain_create(2, 1);

	hazptr_pcpu_try_protect(d, 1, arg);
	hazptr_pcpu_domain_destroy(d);
}

static void bad_pcpu_cpu_range(void *arg)
{
	struct hazptr_pcpu_domain *d = hazptr_pcpu_domain_create(2, 1);

	hazptr_pcpu_try_protect(d, 2, arg);
}

static void bad_slot_index(void *arg)
{
	void *_Atomic src = arg;
	volatile unsigned int i = HAZPTR_NR_SLOTS;

	hazptr_protect(hazptr_rec_get(NULL), i, &src);
}

static void bad_rec_free_thread(void *arg)
{
	(void)arg;
	hazptr_rec_free(hazptr_rec_get(NULL));
}

static void bad_rec_free_twice(void *arg)
{
	struct hazptr_rec *r = hazptr_rec_alloc(NULL);

	(void)arg;
	hazptr_rec_free(r);
	hazptr_rec_free(r);
}

static void bad_abi(void *arg)
{
	(void)arg;
	hazptr_rec_get_(NULL, sizeof(struct hazptr_rec) + 8);
}

static void test_misuse(void)
{
	int x;

	t_expect_abort("retire NULL object", bad_retire_null_obj, NULL,
		       "hazptr_retire: NULL object");
	t_expect_abort("retire NULL address", bad_retire_null_addr, NULL,
		       "hazptr_retire: NULL address");
	t_expect_abort("retire NULL callback", bad_retire_null_fn, NULL,
		       "hazptr_retire: NULL reclaim");
	t_expect_abort("record freed twice", bad_rec_free_twice, NULL,
		       "hazptr_rec_free: record");
	t_expect_abort("thread record freed", bad_rec_free_thread, NULL,
		       "hazptr_rec_free: record");
	t_expect_abort("ABI mismatch", bad_abi, NULL,
		       "hazptr_rec_get: caller built with a different HAZPTR_NR_SLOTS");
#if HAZPTR_DEBUG
	t_expect_abort("pcpu double clear", bad_pcpu_double_clear, &x,
		       "hazptr_pcpu_clear: slot");
	t_expect_abort("pcpu clear of another address", bad_pcpu_wrong_clear, &x,
		       "hazptr_pcpu_clear: slot");
	t_expect_abort("pcpu destroy with busy slot", bad_pcpu_destroy_busy, &x,
		       "hazptr_pcpu_domain_destroy: cpu 1 slot 0 still holds");
	t_expect_abort("pcpu cpu out of range", bad_pcpu_cpu_range, &x,
		       "hazptr_pcpu_try_protect: cpu 2 out of range");
	t_expect_abort("slot index out of range", bad_slot_index, &x,
		       "hazptr_protect: slot index");
#else
	(void)x;
#endif
}
