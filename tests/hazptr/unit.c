/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unit.c - deterministic tests of every public hazptr call.
 *
 * Also built with tiny constants (unit-tiny.c: one slot per record,
 * threshold 1), so expectations are written in terms of the macros.
 */
#include "common.h"

struct node {
	int val;
	struct hazptr_obj hp;		/* deliberately not the first member */
	struct node *_Atomic next;
};

static _Atomic int n_reclaimed;

static void node_reclaim(struct hazptr_obj *obj)
{
	struct node *n = (struct node *)((char *)obj - offsetof(struct node, hp));

	n->val = -1;
	free(n);
	atomic_fetch_add(&n_reclaimed, 1);
}

static struct node *node_new(int v)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		DIE("out of memory");
	n->val = v;
	return n;
}

static void retire_node(struct hazptr_domain *d, struct node *n)
{
	hazptr_retire(d, &n->hp, n, node_reclaim);
}

static unsigned int expect_threshold(unsigned int slots)
{
	unsigned long t = (unsigned long)HAZPTR_SCAN_BASE + (unsigned long)HAZPTR_SCAN_MULT * slots;

	return t ? (unsigned int)t : 1;
}

/* ---- fence mode ---- */

static void test_fence_mode(void)
{
	const char *e = getenv("HAZPTR_FORCE_FENCE");
	enum hazptr_fence m = hazptr_fence_mode();

	CHECK(m == HAZPTR_FENCE_MEMBARRIER || m == HAZPTR_FENCE_SEQ_CST);
	if (e && *e && strcmp(e, "0"))
		CHECK(m == HAZPTR_FENCE_SEQ_CST);
	CHECK(!strcmp(hazptr_fence_name(HAZPTR_FENCE_MEMBARRIER), "membarrier"));
	CHECK(!strcmp(hazptr_fence_name(HAZPTR_FENCE_SEQ_CST), "seq_cst"));
	CHECK(!strcmp(hazptr_fence_name((enum hazptr_fence)0), "?"));
	CHECK(hazptr_fence_mode() == m);	/* decided once */
	printf("fence mode: %s\n", hazptr_fence_name(m));
}

/* ---- domains ---- */

static void test_domains(void)
{
	struct hazptr_domain *a, *b, *f;
	struct hazptr_stats st;

	errno = 0;
	CHECK(hazptr_domain_create(0x80) == NULL && errno == EINVAL);
	a = hazptr_domain_create(0);
	b = hazptr_domain_create(0);
	f = hazptr_domain_create(HAZPTR_DOMAIN_FENCE);
	CHECK(a && b && f && a != b);
	CHECK(hazptr_domain_fence(a) == hazptr_fence_mode());
	CHECK(hazptr_domain_fence(f) == HAZPTR_FENCE_SEQ_CST);
	CHECK(hazptr_domain_fence(NULL) == hazptr_fence_mode());
	CHECK(hazptr_default_domain() != NULL);
	CHECK(hazptr_default_domain() == hazptr_default_domain());
	CHECK(hazptr_default_domain() != a);

	CHECK_EQ(hazptr_domain_stats(a, NULL), -EINVAL);
	CHECK_EQ(hazptr_domain_stats(a, &st), 0);
	CHECK_EQ(st.records, 0);
	CHECK_EQ(st.slots, 0);
	CHECK_EQ(st.threshold, expect_threshold(0));
	CHECK_EQ(st.pending, 0);
	CHECK(hazptr_rec_get(a) != NULL);
	CHECK_EQ(hazptr_domain_stats(a, &st), 0);
	CHECK_EQ(st.records, 1);
	CHECK_EQ(st.slots, HAZPTR_NR_SLOTS);
	CHECK_EQ(st.threshold, expect_threshold(HAZPTR_NR_SLOTS));

	/* Records of different domains are different; default via NULL. */
	CHECK(hazptr_rec_get(a) != hazptr_rec_get(b));
	CHECK(hazptr_rec_get(NULL) == hazptr_rec_get(hazptr_default_domain()));

	CHECK_EQ(hazptr_domain_destroy(NULL), -EINVAL);
	CHECK_EQ(hazptr_domain_destroy(hazptr_default_domain()), -EINVAL);
	CHECK_EQ(hazptr_domain_destroy(a), 0);
	CHECK_EQ(hazptr_domain_destroy(b), 0);
	CHECK_EQ(hazptr_domain_destroy(f), 0);
	/* A new domain (perhaps at a freed one's address) gets a fresh record. */
	a = hazptr_domain_create(0);
	CHECK(a && hazptr_rec_get(a) != NULL);
	CHECK_EQ(hazptr_domain_stats(a, &st), 0);
	CHECK_EQ(st.records, 1);
	CHECK_EQ(hazptr_domain_destroy(a), 0);
}

/* ---- read side ---- */

static void test_protect(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct node *a = node_new(1), *b = node_new(2), *n;
	struct node *_Atomic head;
	void *_Atomic src;
	void *p;

	CHECK(r == hazptr_rec_get(d));	/* cached */
	atomic_init(&src, a);
	p = hazptr_protect(r, 0, &src);
	CHECK(p == a);
	CHECK(hazptr_slot_load(r, 0) == a);
	hazptr_clear(r, 0);
	CHECK(hazptr_slot_load(r, 0) == NULL);

	atomic_store(&src, NULL);
	CHECK(hazptr_protect(r, 0, &src) == NULL);
	CHECK(hazptr_slot_load(r, 0) == NULL);

	/* try_protect: success */
	atomic_store(&src, b);
	p = b;
	CHECK(hazptr_try_protect(r, HAZPTR_NR_SLOTS - 1, &p, &src));
	CHECK(p == b && hazptr_slot_load(r, HAZPTR_NR_SLOTS - 1) == b);
	/* try_protect: failure clears the slot and reports the new value */
	p = a;
	CHECK(!hazptr_try_protect(r, HAZPTR_NR_SLOTS - 1, &p, &src));
	CHECK(p == b && hazptr_slot_load(r, HAZPTR_NR_SLOTS - 1) == NULL);

	/* reset publishes without validation */
	hazptr_reset(r, 0, a);
	CHECK(hazptr_slot_load(r, 0) == a);
	hazptr_clear_all(r);
	for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
		CHECK(hazptr_slot_load(r, i) == NULL);

	/* typed wrapper */
	atomic_init(&head, a);
	n = HAZPTR_PROTECT(r, 0, &head);
	CHECK(n == a && n->val == 1);
	hazptr_clear(r, 0);

	CHECK(hazptr_ptr_eq(a, a));
	CHECK(!hazptr_ptr_eq(a, b));
	CHECK(hazptr_ptr_eq(NULL, NULL));

	free(a);
	free(b);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

/* protect() against a source that keeps changing: the slot always ends up
 * holding what protect returns, and that was *src at the re-load. */
static void *_Atomic flip_src;
static _Atomic int flip_stop;
static struct node flip_nodes[4];

static void *flipper(void *arg)
{
	unsigned int i = 0;

	(void)arg;
	while (!atomic_load_explicit(&flip_stop, memory_order_relaxed))
		atomic_store_explicit(&flip_src, &flip_nodes[i++ & 3], memory_order_release);
	return NULL;
}

static void test_protect_race(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	int iters = t_sanitized() ? 20000 : 200000;
	pthread_t t;

	atomic_store(&flip_src, &flip_nodes[0]);
	t_create(&t, flipper, NULL);
	for (int i = 0; i < iters; i++) {
		void *p = hazptr_protect(r, 0, &flip_src);

		CHECK(p == hazptr_slot_load(r, 0));
		CHECK(p >= (void *)&flip_nodes[0] && p <= (void *)&flip_nodes[3]);
	}
	atomic_store(&flip_stop, 1);
	t_join(t);
	hazptr_clear(r, 0);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

/* Hand-over-hand down a list with two slots. */
static void test_hand_over_hand(void)
{
#if HAZPTR_NR_SLOTS >= 2
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct node *_Atomic head;
	struct node *n[10], *p;
	unsigned int slot = 0;
	int sum = 0;

	for (int i = 9; i >= 0; i--) {
		n[i] = node_new(i);
		atomic_init(&n[i]->next, i < 9 ? n[i + 1] : NULL);
	}
	atomic_init(&head, n[0]);
	for (p = HAZPTR_PROTECT(r, 0, &head); p; ) {
		struct node *q;

		sum += p->val;
		slot ^= 1;
		q = HAZPTR_PROTECT(r, slot, &p->next);	/* p still protected */
		p = q;
	}
	CHECK_EQ(sum, 45);
	hazptr_clear_all(r);
	for (int i = 0; i < 10; i++)
		free(n[i]);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
#endif
}

/* ---- explicit records ---- */

static void test_rec_alloc(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *t = hazptr_rec_get(d), *x, *y;
	struct hazptr_stats st;
	int v;

	x = hazptr_rec_alloc(d);
	y = hazptr_rec_alloc(d);
	CHECK(x && y && x != y && x != t && y != t);
	hazptr_reset(x, 0, &v);
	CHECK_EQ(hazptr_domain_destroy(d), -EBUSY);	/* x outstanding and busy */
	hazptr_rec_free(x);
	CHECK(hazptr_slot_load(x, 0) == NULL);	/* cleared */
	CHECK_EQ(hazptr_domain_destroy(d), -EBUSY);	/* y outstanding */
	/* Freed records are recycled, not reallocated. */
	CHECK(hazptr_rec_alloc(d) == x);
	hazptr_rec_free(x);
	hazptr_rec_free(y);
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

/* ---- retire / reclaim ---- */

static void test_retire_threshold(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct hazptr_stats st;
	unsigned int T = expect_threshold(HAZPTR_NR_SLOTS), n1 = 1;
	struct node *keep = node_new(7);
	void *_Atomic src;
	uint64_t base;

	atomic_store(&n_reclaimed, 0);
	/* Protect `keep`, unlink it, retire it: it must survive every pass. */
	atomic_init(&src, keep);
	CHECK(hazptr_protect(r, 0, &src) == keep);
	atomic_store(&src, NULL);
	retire_node(d, keep);
	/* The first pass comes at the latest with the T-th retire (earlier by
	 * what the thread's retire cache may hold). */
	for (;;) {
		CHECK_EQ(hazptr_domain_stats(d, &st), 0);
		if (st.scans || n1 > T)
			break;
		CHECK_EQ(st.pending, n1);
		retire_node(d, node_new((int)n1));
		n1++;
	}
	CHECK_EQ(st.scans, 1);
	CHECK(n1 <= T && n1 >= (T + 1) / 2);
	CHECK_EQ(st.pending, 1);		/* only `keep` */
	CHECK_EQ(atomic_load(&n_reclaimed), (int)st.reclaimed);
	CHECK_EQ(st.reclaimed, n1 - 1);
	CHECK(keep->val == 7);

	/* Amortisation: about one pass per T retires. */
	base = st.scans;
	for (unsigned int i = 0; i < 10 * T; i++)
		retire_node(d, node_new((int)i));
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK(st.scans - base >= 9 && st.scans - base <= 2 * 10 + 1);
	CHECK(st.pending <= T);
	CHECK(keep->val == 7);

	/* cleanup leaves protected objects, reclaims them once cleared */
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK_EQ(st.pending, 1);
	CHECK(keep->val == 7);
	CHECK_EQ(hazptr_domain_destroy(d), -EBUSY);	/* keep is protected */
	hazptr_clear(r, 0);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK_EQ(st.pending, 0);
	CHECK_EQ(atomic_load(&n_reclaimed), (int)st.reclaimed);
	CHECK_EQ(st.reclaimed, n1 + 10 * T);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

/* Another thread's retire cache: cleanup takes it (nothing retired before
 * the call is left behind), and so does the thread's exit.  (Without a
 * cache -- the tiny build's threshold 1 -- every retire runs a pass.) */
#define HAS_CACHE (HAZPTR_SCAN_MULT * HAZPTR_NR_SLOTS > 3)
static _Atomic int cache_phase;
static struct hazptr_domain *cache_d;

static void *cache_thread(void *arg)
{
	(void)arg;
	hazptr_rec_get(cache_d);
	for (int i = 0; i < 3; i++)
		retire_node(cache_d, node_new(i));
	atomic_store(&cache_phase, 1);
	while (atomic_load(&cache_phase) != 2)
		t_sleep_us(100);
	for (int i = 0; i < 2; i++)
		retire_node(cache_d, node_new(i));
	return NULL;			/* exit hands these to the domain */
}

static void test_retire_cache(void)
{
	struct hazptr_stats st;
	pthread_t t;

	cache_d = hazptr_domain_create(0);
	atomic_store(&n_reclaimed, 0);
	t_create(&t, cache_thread, NULL);
	while (atomic_load(&cache_phase) != 1)
		t_sleep_us(100);
	CHECK_EQ(hazptr_domain_stats(cache_d, &st), 0);
	CHECK_EQ(st.pending, HAS_CACHE ? 3 : 0);
	CHECK_EQ(hazptr_cleanup(cache_d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 3);
	atomic_store(&cache_phase, 2);
	t_join(t);
	CHECK_EQ(hazptr_domain_stats(cache_d, &st), 0);
	CHECK_EQ(st.pending, HAS_CACHE ? 2 : 0);
	CHECK_EQ(hazptr_cleanup(cache_d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 5);
	CHECK_EQ(hazptr_domain_destroy(cache_d), 0);
}

/* A callback that retires children, and one that calls cleanup. */
static struct hazptr_domain *cb_domain;
static _Atomic int cb_children;
static _Atomic int cb_cleanup_rc = 1;

static void child_reclaim(struct hazptr_obj *obj)
{
	free(obj);
	atomic_fetch_add(&cb_children, 1);
}

static void parent_reclaim(struct hazptr_obj *obj)
{
	for (int i = 0; i < 3; i++) {
		struct hazptr_obj *c = malloc(sizeof(*c));

		if (!c)
			DIE("out of memory");
		hazptr_retire(cb_domain, c, c, child_reclaim);
	}
	atomic_store(&cb_cleanup_rc, hazptr_cleanup(cb_domain));
	errno = 0;
	if (hazptr_domain_create(0) != NULL || errno != EDEADLK)
		atomic_store(&cb_cleanup_rc, 99);
	if (hazptr_domain_destroy(cb_domain) != -EDEADLK)
		atomic_store(&cb_cleanup_rc, 98);
	free(obj);
}

static void test_recursive_retire(void)
{
	struct hazptr_obj *p = malloc(sizeof(*p));
	struct hazptr_stats st;

	cb_domain = hazptr_domain_create(0);
	if (!p || !cb_domain)
		DIE("setup");
	hazptr_retire(cb_domain, p, p, parent_reclaim);
	CHECK_EQ(hazptr_cleanup(cb_domain), 0);
	CHECK_EQ(atomic_load(&cb_children), 3);	/* same cleanup call */
	CHECK_EQ(atomic_load(&cb_cleanup_rc), -EDEADLK);
	CHECK_EQ(hazptr_domain_stats(cb_domain, &st), 0);
	CHECK_EQ(st.pending, 0);
	CHECK_EQ(st.reclaimed, 4);
	CHECK_EQ(hazptr_domain_destroy(cb_domain), 0);
}

/* ---- synchronize / scan ---- */

struct holder {
	struct hazptr_domain *d;
	void *_Atomic *src;
	_Atomic int state;		/* 1: protected, 2: go clear, 3: cleared */
	unsigned int hold_us;
};

static void *holder_thread(void *arg)
{
	struct holder *h = arg;
	struct hazptr_rec *r = hazptr_rec_get(h->d);

	hazptr_protect(r, HAZPTR_NR_SLOTS - 1, h->src);
	atomic_store(&h->state, 1);
	while (atomic_load(&h->state) != 2)
		t_sleep_us(50);
	t_sleep_us(h->hold_us);
	atomic_store(&h->state, 3);
	hazptr_clear(r, HAZPTR_NR_SLOTS - 1);
	return NULL;
}

struct match {
	int n;
	struct hazptr_rec *rec;
	unsigned int slot;
	void *addr;
};

static void on_match(void *arg, struct hazptr_rec *rec, unsigned int slot, void *addr)
{
	struct match *m = arg;

	m->n++;
	m->rec = rec;
	m->slot = slot;
	m->addr = addr;
}

static void test_synchronize_scan(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *me = hazptr_rec_get(d);
	int obj, other;
	void *_Atomic src;
	struct holder h = { d, &src, 0, 20000 };
	struct match m = { 0, NULL, 0, NULL };
	pthread_t t;
	uint64_t t0;

	atomic_init(&src, &obj);
	CHECK_EQ(hazptr_synchronize(d, NULL), -EINVAL);
	CHECK_EQ(hazptr_synchronize(d, &obj), 0);		/* nobody holds it */
	CHECK_EQ(hazptr_scan(d, &obj, on_match, &m), 0);
	CHECK_EQ(hazptr_scan(d, NULL, on_match, &m), 0);

	t_create(&t, holder_thread, &h);
	while (atomic_load(&h.state) != 1)
		t_sleep_us(50);
	atomic_store(&src, &other);				/* unlink */
	CHECK_EQ(hazptr_scan(d, &obj, on_match, &m), 1);
	CHECK_EQ(m.n, 1);
	CHECK(m.rec != NULL && m.rec != me);
	CHECK_EQ(m.slot, HAZPTR_NR_SLOTS - 1);
	CHECK(m.addr == &obj);
	CHECK_EQ(hazptr_scan(d, &obj, NULL, NULL), 1);
	CHECK_EQ(hazptr_scan(d, &other, NULL, NULL), 0);

	t0 = t_now_ns();
	atomic_store(&h.state, 2);
	CHECK_EQ(hazptr_synchronize(d, &obj), 0);
	CHECK_EQ(atomic_load(&h.state), 3);		/* waited for the clear */
	CHECK(t_now_ns() - t0 >= 15 * 1000 * 1000ull);
	t_join(t);

	/* Our own slot holding it: refuse instead of waiting forever. */
	hazptr_reset(me, 0, &obj);
	CHECK_EQ(hazptr_synchronize(d, &obj), -EDEADLK);
	CHECK_EQ(hazptr_scan(d, &obj, on_match, &m), 1);
	CHECK(m.rec == me && m.slot == 0);
	hazptr_clear(me, 0);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

/* ---- records across threads ---- */

static struct hazptr_rec *seen_rec;

static void *get_rec_thread(void *arg)
{
	seen_rec = hazptr_rec_get(arg);
	hazptr_reset(seen_rec, 0, &seen_rec);	/* exit while holding a slot */
	return NULL;
}

static void test_thread_records(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *first;
	struct hazptr_stats st;
	pthread_t t;

	CHECK(hazptr_rec_get(d) != NULL);
	t_create(&t, get_rec_thread, d);
	t_join(t);
	first = seen_rec;
	CHECK(first != NULL && first != hazptr_rec_get(d));
	CHECK(hazptr_slot_load(first, 0) == NULL);	/* released at exit */
	t_create(&t, get_rec_thread, d);
	t_join(t);
	CHECK(seen_rec == first);				/* recycled */
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK_EQ(st.records, 2);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
}

#include "unit-pcpu.c"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hazptr unit: HAZPTR_NR_SLOTS=%d HAZPTR_SCAN_BASE=%d HAZPTR_SCAN_MULT=%d\n",
	       HAZPTR_NR_SLOTS, HAZPTR_SCAN_BASE, HAZPTR_SCAN_MULT);
	test_fence_mode();
	test_domains();
	test_protect();
	test_protect_race();
	test_hand_over_hand();
	test_rec_alloc();
	test_retire_threshold();
	test_retire_cache();
	test_recursive_retire();
	test_synchronize_scan();
	test_thread_records();
	test_pcpu();
	test_misuse();
	return t_report("hazptr unit");
}
