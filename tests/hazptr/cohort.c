/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cohort.c - unit tests of cohorts (hazptr_cohort_*): objects retired into
 * a cohort are all reclaimed by the time hazptr_cohort_destroy() returns,
 * a protected one only after its reader cleared it; the count-triggered
 * passes keep the cohort bounded; callbacks may retire into the cohort;
 * the errors.  Deterministic: a reader thread holds its protection until
 * the test tells it to stop, so "destroy has not returned yet" is checked
 * while the protection provably exists, never after a sleep.
 * Built against libhazptr.a (local mode) and lib-shared.o (shared mode).
 */
#include "common.h"

static _Atomic long n_reclaimed;
static _Atomic int reader_cleared;	/* set by the reader before its clear */
static struct hazptr_cohort *cb_cohort;	/* for the chaining callback */
static _Atomic int cb_cleanup_rc = 1;

struct node {
	int val;
	struct hazptr_obj hp;
};

static struct node *node_of(struct hazptr_obj *o)
{
	return (struct node *)((char *)o - offsetof(struct node, hp));
}

static void node_reclaim(struct hazptr_obj *o)
{
	struct node *n = node_of(o);

	/* Node 3 is the one the reader protects: reclaiming it before the
	 * reader cleared its slot is the bug cohorts must not have. */
	if (n->val == 3 && !atomic_load(&reader_cleared))
		CHECK(!"node 3 reclaimed while protected");
	n->val = -1;
	free(n);
	atomic_fetch_add(&n_reclaimed, 1);
}

static struct node *node_new(int val)
{
	struct node *n = malloc(sizeof(*n));

	if (!n)
		DIE("out of memory");
	n->val = val;
	return n;
}

/* The reader: protects *src (node 3) until `release` is set. */
struct reader_arg {
	struct hazptr_domain *d;
	struct node *_Atomic *src;
	_Atomic int holding, release;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	struct hazptr_rec *r = hazptr_rec_get(a->d);
	struct node *n;

	if (!r)
		DIE("hazptr_rec_get: %s", strerror(errno));
	n = HAZPTR_PROTECT(r, 0, a->src);
	CHECK(n && n->val == 3);
	atomic_store(&a->holding, 1);
	while (!atomic_load(&a->release))
		t_sleep_us(100);
	CHECK(n->val == 3);		/* still ours */
	atomic_store(&reader_cleared, 1);
	hazptr_clear(r, 0);
	return NULL;
}

struct destroy_arg {
	struct hazptr_cohort *c;
	_Atomic int done;
	int rc;
};

static void *destroyer(void *p)
{
	struct destroy_arg *a = p;

	a->rc = hazptr_cohort_destroy(a->c);
	atomic_store(&a->done, 1);
	return NULL;
}

/* Ten objects, one protected by another thread, one by our own slot. */
static void test_destroy_waits(struct hazptr_domain *d)
{
	struct hazptr_cohort *c = hazptr_cohort_create(d);
	struct hazptr_rec *own = hazptr_rec_get(d);
	struct node *nodes[10];
	struct node *_Atomic src;
	struct reader_arg ra = { .d = d, .src = &src };
	struct destroy_arg da;
	pthread_t rt, dt;

	CHECK(c && own);
	atomic_store(&n_reclaimed, 0);
	atomic_store(&reader_cleared, 0);
	for (int i = 0; i < 10; i++)
		nodes[i] = node_new(i);
	atomic_store(&src, nodes[3]);
	atomic_init(&ra.holding, 0);
	atomic_init(&ra.release, 0);
	t_create(&rt, reader, &ra);
	while (!atomic_load(&ra.holding))
		t_sleep_us(100);
	atomic_store(&src, NULL);		/* unlinked: now retire it */
	for (int i = 0; i < 10; i++)
		hazptr_cohort_retire(c, &nodes[i]->hp, nodes[i], node_reclaim);
	CHECK_EQ(hazptr_cohort_pending(c), 10);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);	/* below the threshold */

	/* Our own slot holds node 5: destroy would wait for ever. */
	hazptr_reset(own, 0, nodes[5]);
	CHECK_EQ(hazptr_cohort_destroy(c), -EDEADLK);
	CHECK_EQ(hazptr_cohort_pending(c), 2);		/* 3 and 5 */
	CHECK_EQ(atomic_load(&n_reclaimed), 8);
	hazptr_clear(own, 0);

	/* The domain cannot go while it has a cohort. */
	CHECK_EQ(hazptr_domain_destroy(d), -EBUSY);

	da.c = c;
	da.rc = 1;
	atomic_init(&da.done, 0);
	t_create(&dt, destroyer, &da);
	/* The reader still holds node 3: destroy cannot have returned. */
	for (int i = 0; i < 20; i++) {
		CHECK(!atomic_load(&da.done));
		t_sleep_us(1000);
	}
	CHECK(!atomic_load(&da.done));
	atomic_store(&ra.release, 1);
	t_join(rt);
	t_join(dt);
	CHECK_EQ(da.rc, 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 10);
	printf("ok   cohort: destroy waits for a reader, reclaims all; own slot -EDEADLK\n");
}

/* Count-triggered passes: the cohort stays below T + H + 1. */
static void test_bound(struct hazptr_domain *d)
{
	struct hazptr_cohort *c = hazptr_cohort_create(d);
	struct hazptr_stats st;
	uint64_t max = 0;
	long n = 0;

	CHECK(c);
	atomic_store(&n_reclaimed, 0);
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	for (unsigned int i = 0; i < 5 * st.threshold; i++, n++) {
		struct node *x = node_new((int)i + 100);

		hazptr_cohort_retire(c, &x->hp, x, node_reclaim);
		if (hazptr_cohort_pending(c) > max)
			max = hazptr_cohort_pending(c);
	}
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	CHECK(max <= (uint64_t)st.threshold + st.slots);
	CHECK(hazptr_cohort_reclaimed(c) >= 4 * (uint64_t)st.threshold);
	CHECK_EQ((long)hazptr_cohort_reclaimed(c) + (long)hazptr_cohort_pending(c), n);
	CHECK_EQ(hazptr_cohort_cleanup(c), 0);
	CHECK_EQ(hazptr_cohort_pending(c), 0);
	CHECK_EQ(hazptr_cohort_destroy(c), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), n);
	printf("ok   cohort: passes at the threshold, pending <= T + H (max %llu, T %u)\n",
	       (unsigned long long)max, st.threshold);
}

/* A callback retires a successor into the same cohort (a chain of 5), and
 * tries a cleanup (refused from a callback). */
static void chain_reclaim(struct hazptr_obj *o)
{
	struct node *n = node_of(o);

	if (n->val > 0) {
		struct node *next = node_new(n->val - 1);

		hazptr_cohort_retire(cb_cohort, &next->hp, next, chain_reclaim);
	}
	atomic_store(&cb_cleanup_rc, hazptr_cohort_cleanup(cb_cohort));
	free(n);
	atomic_fetch_add(&n_reclaimed, 1);
}

static void test_callbacks(struct hazptr_domain *d)
{
	struct node *first = node_new(4);

	cb_cohort = hazptr_cohort_create(d);
	CHECK(cb_cohort);
	atomic_store(&n_reclaimed, 0);
	hazptr_cohort_retire(cb_cohort, &first->hp, first, chain_reclaim);
	CHECK_EQ(hazptr_cohort_destroy(cb_cohort), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 5);
	CHECK_EQ(atomic_load(&cb_cleanup_rc), -EDEADLK);
	printf("ok   cohort: callbacks retire into it; destroy reclaims them too\n");
}

static void retire_null(void *arg)
{
	struct node n;

	hazptr_cohort_retire(arg, &n.hp, NULL, node_reclaim);
}

static void test_errors(struct hazptr_domain *d)
{
	struct hazptr_cohort *c = hazptr_cohort_create(d);

	CHECK(c);
	CHECK_EQ(hazptr_cohort_destroy(NULL), -EINVAL);
	CHECK_EQ(hazptr_cohort_cleanup(NULL), -EINVAL);
	CHECK_EQ(hazptr_cohort_pending(NULL), 0);
	t_expect_abort("cohort_retire(NULL address)", retire_null, c,
		       "hazptr_cohort_retire: NULL address");
	CHECK_EQ(hazptr_cohort_destroy(c), 0);
	/* The default domain (NULL) takes cohorts too. */
	c = hazptr_cohort_create(NULL);
	CHECK(c);
	CHECK_EQ(hazptr_cohort_destroy(c), 0);
	printf("ok   cohort: errors\n");
}

int main(void)
{
	struct hazptr_domain *d;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hazptr cohort: fence=%s\n", hazptr_fence_name(hazptr_fence_mode()));
	d = hazptr_domain_create(0);
	CHECK(d);
	test_destroy_waits(d);
	test_bound(d);
	test_callbacks(d);
	test_errors(d);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	return t_report("hazptr cohort");
}
