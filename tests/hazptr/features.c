/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * features.c - unit tests of the features beyond classic hazard pointers:
 * the time-based trigger (hazptr_domain_set_delay()) and batch protection
 * (hazptr_protect_many()).  Deterministic: no
 * assertion depends on how fast the machine is; a sleep only ensures that
 * at least the configured delay has passed on the monotonic clock.
 * Built against libhazptr.a (local mode) and lib-shared.o (shared mode).
 */
#include "common.h"

static _Atomic long n_reclaimed;

struct node {
	int val;
	struct hazptr_obj hp;
};

static void node_reclaim(struct hazptr_obj *o)
{
	struct node *n = (struct node *)((char *)o - offsetof(struct node, hp));

	n->val = -1;
	free(n);
	atomic_fetch_add(&n_reclaimed, 1);
}

static void retire_new(struct hazptr_domain *d, int val)
{
	struct node *n = malloc(sizeof(*n));

	if (!n)
		DIE("out of memory");
	n->val = val;
	hazptr_retire(d, &n->hp, n, node_reclaim);
}

/*
 * Below every count limit, nothing is reclaimed while the trigger is off;
 * with a 1 ms delay, the first check (a multiple of HAZPTR_DELAY_CHECK
 * retires) after 2 ms runs a pass that reclaims everything not protected,
 * and a protected object survives it.
 */
static void test_delay(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct hazptr_stats st;
	struct node *keep = malloc(sizeof(*keep));
	struct node *_Atomic src;
	long retired = 0;

	CHECK(d && r && keep);
	atomic_store(&n_reclaimed, 0);
	CHECK_EQ(hazptr_domain_set_delay(d, 0), 0);
	keep->val = 7;
	atomic_init(&src, keep);
	CHECK(HAZPTR_PROTECT(r, 0, &src) == keep);
	atomic_store(&src, NULL);
	hazptr_retire(d, &keep->hp, keep, node_reclaim);
	retired++;
	for (int round = 0; round < 3; round++) {
		t_sleep_us(2000);
		for (int i = 0; i < HAZPTR_DELAY_CHECK; i++, retired++)
			retire_new(d, i);
	}
	CHECK_EQ(hazptr_domain_stats(d, &st), 0);
	/* The limits are far above 97 objects in both modes. */
	CHECK(st.threshold > 4 * HAZPTR_DELAY_CHECK);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);
	CHECK_EQ(st.scans, 0);

	/* The check comes within HAZPTR_DELAY_CHECK retires (the thread's
	 * count did not restart at the call); its pass takes everything. */
	CHECK_EQ(hazptr_domain_set_delay(d, 1000000), 0);	/* 1 ms */
	t_sleep_us(2000);
	for (int i = 0; i < HAZPTR_DELAY_CHECK; i++) {
		retire_new(d, i);
		retired++;
		CHECK_EQ(hazptr_domain_stats(d, &st), 0);
		if (st.scans)
			break;
	}
	CHECK_EQ(st.scans, 1);
	CHECK_EQ(atomic_load(&n_reclaimed), retired - 1);	/* all but keep */
	CHECK_EQ(st.pending, 1);
	CHECK_EQ(keep->val, 7);

	hazptr_clear(r, 0);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), retired);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	printf("ok   time-based trigger: off -> nothing; 1 ms -> pass at the next check\n");
}

/*
 * hazptr_protect_many(): n sources into consecutive slots; the objects it
 * returns survive cleanup after being unlinked and retired, and are
 * reclaimed once the slots are cleared.  n = 0 does nothing.
 */
static void test_protect_many(void)
{
	enum { N = HAZPTR_NR_SLOTS < 3 ? HAZPTR_NR_SLOTS : 3 };
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct node *_Atomic src[N];
	void *_Atomic const *srcs[N];
	void *out[N], *none = (void *)1;
	struct node *obj[N];
	unsigned int first = HAZPTR_NR_SLOTS - N;

	CHECK(d && r);
	atomic_store(&n_reclaimed, 0);
	for (int k = 0; k < N; k++) {
		obj[k] = malloc(sizeof(*obj[k]));
		CHECK(obj[k] != NULL);
		obj[k]->val = 10 + k;
		atomic_init(&src[k], obj[k]);
		srcs[k] = (void *_Atomic const *)&src[k];
	}
	hazptr_protect_many(r, first, 0, srcs, &none);
	CHECK(none == (void *)1);
	hazptr_protect_many(r, first, N, srcs, out);
	for (int k = 0; k < N; k++) {
		CHECK(out[k] == obj[k]);
		CHECK(hazptr_slot_load(r, first + (unsigned int)k) == obj[k]);
		atomic_store(&src[k], NULL);
		hazptr_retire(d, &obj[k]->hp, obj[k], node_reclaim);
	}
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);
	for (int k = 0; k < N; k++)
		CHECK_EQ(obj[k]->val, 10 + k);
	/* A NULL source protects NULL. */
	hazptr_protect_many(r, first, N, srcs, out);
	for (int k = 0; k < N; k++)
		CHECK(out[k] == NULL && hazptr_slot_load(r, first + (unsigned int)k) == NULL);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), N);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	printf("ok   batch protection: %d slots in one call, held across cleanup\n", N);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hazptr features: fence=%s\n", hazptr_fence_name(hazptr_fence_mode()));
	test_delay();
	test_protect_many();
	if (t_failures)
		printf("hazptr features: %d check(s) failed\n", t_failures);
	printf("End of test: %s\n", t_failures ? "FAILURE" : "SUCCESS");
	return t_failures ? 1 : 0;
}
