/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hold.c - unit tests of holds (hazptr_hold_*): per-CPU slots claimed
 * through rseq, and the per-thread fallback (HAZPTR_FORCE_NO_RSEQ=1, or a
 * ThreadSanitizer build).  The mode must be the one the environment calls
 * for; a held object survives cleanup and is found by hazptr_scan() and
 * waited for by hazptr_synchronize() until cleared; more holds than a
 * CPU's slots spill to the fallback; the domain refuses destroy while a
 * hold is live; NULL sources and misuse.
 */
#include "common.h"

#if defined(__x86_64__) && __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAVE_SYS_RSEQ 1
#endif

static _Atomic long n_reclaimed;

struct node {
	int val;
	struct hazptr_obj hp;
};

static void node_reclaim(struct hazptr_obj *o)
{
	free((char *)o - offsetof(struct node, hp));
	atomic_fetch_add(&n_reclaimed, 1);
}

static const char *expected_mode(void)
{
	const char *e = getenv("HAZPTR_FORCE_NO_RSEQ");

	if ((e && *e && strcmp(e, "0") != 0) || HAZPTR_TSAN_)
		return "thread";
#ifdef HAVE_SYS_RSEQ
	if (__rseq_size >= 20)
		return "rseq";
#endif
	return "thread";
}

struct sync_arg {
	struct hazptr_domain *d;
	void *addr;
	_Atomic int done;
};

static void *syncer(void *p)
{
	struct sync_arg *a = p;

	CHECK_EQ(hazptr_synchronize(a->d, a->addr), 0);
	atomic_store(&a->done, 1);
	return NULL;
}

#define NH 12	/* more than a CPU's HAZPTR_CPU_SLOTS */

/* hazptr_scan() reports a per-CPU hold slot with a NULL record. */
static void count_cpu(void *arg, struct hazptr_rec *rec, unsigned int slot, void *addr)
{
	(void)slot;
	(void)addr;
	if (!rec)
		(*(unsigned int *)arg)++;
}

static void test_holds(struct hazptr_domain *d)
{
	struct node *_Atomic src[NH];
	struct node *n[NH];
	struct hazptr_hold h[NH];
	struct node *_Atomic null_src = NULL;
	struct sync_arg sa = { .d = d };
	unsigned int nh = strcmp(hazptr_hold_mode(), "rseq") == 0 ? NH : HAZPTR_NR_SLOTS - 1;
	pthread_t t;
	unsigned int ncpu = 0;

	atomic_store(&n_reclaimed, 0);
	CHECK(hazptr_hold_protect(d, &h[0], (void *_Atomic const *)&null_src) == NULL);
	hazptr_hold_clear(&h[0]);
	hazptr_hold_clear(&h[0]);		/* idempotent */
	for (unsigned int i = 0; i < nh; i++) {
		n[i] = malloc(sizeof(*n[i]));
		CHECK(n[i]);
		n[i]->val = (int)i;
		atomic_store(&src[i], n[i]);
		CHECK(hazptr_hold_protect(d, &h[i], (void *_Atomic const *)&src[i]) == n[i]);
	}
	for (unsigned int i = 0; i < nh; i++) {
		atomic_store(&src[i], NULL);	/* unlink, then retire */
		hazptr_retire(d, &n[i]->hp, n[i], node_reclaim);
	}
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);	/* all held */
	for (unsigned int i = 0; i < nh; i++) {
		CHECK_EQ(hazptr_scan(d, n[i], count_cpu, &ncpu), 1);
		CHECK_EQ(n[i]->val, (int)i);
	}
	/* rseq: per-CPU slots are used (up to HAZPTR_CPU_SLOTS per CPU, the
	 * rest spills to the record); fallback: none. */
	if (strcmp(hazptr_hold_mode(), "rseq") == 0)
		CHECK(ncpu >= 1 && ncpu < nh);
	else
		CHECK_EQ(ncpu, 0);
	CHECK_EQ(hazptr_domain_destroy(d), -EBUSY);

	/* synchronize waits for the hold: it cannot return while held. */
	sa.addr = n[0];
	atomic_init(&sa.done, 0);
	t_create(&t, syncer, &sa);
	for (int i = 0; i < 10; i++) {
		CHECK(!atomic_load(&sa.done));
		t_sleep_us(1000);
	}
	CHECK(!atomic_load(&sa.done));
	hazptr_hold_clear(&h[0]);
	t_join(t);
	CHECK(atomic_load(&sa.done));

	for (unsigned int i = 1; i < nh; i++)
		hazptr_hold_clear(&h[i]);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), (long)nh);
	printf("ok   hold: %u holds (%u in per-CPU slots) survive cleanup, scan finds them, "
	       "synchronize waits\n", nh, ncpu);
}

/* The source changes while the hold is being taken: the loop re-stores
 * into the slot it owns; a source that becomes NULL gives the slot back. */
static void test_changing(struct hazptr_domain *d)
{
	struct node a = { .val = 1 }, b = { .val = 2 };
	struct node *_Atomic s = &a;
	struct hazptr_hold h;

	CHECK(hazptr_hold_protect(d, &h, (void *_Atomic const *)&s) == &a);
	atomic_store(&s, &b);
	hazptr_hold_clear(&h);
	CHECK(hazptr_hold_protect(d, &h, (void *_Atomic const *)&s) == &b);
	CHECK_EQ(hazptr_scan(d, &b, NULL, NULL), 1);
	CHECK_EQ(hazptr_scan(d, &a, NULL, NULL), 0);
	hazptr_hold_clear(&h);
	CHECK_EQ(hazptr_scan(d, &b, NULL, NULL), 0);
	printf("ok   hold: re-protect, clear\n");
}

static void hold_null(void *arg)
{
	(void)hazptr_hold_protect(arg, NULL, NULL);
}

int main(void)
{
	struct hazptr_domain *d;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hazptr hold: mode=%s (expected %s) fence=%s\n", hazptr_hold_mode(),
	       expected_mode(), hazptr_fence_name(hazptr_fence_mode()));
	CHECK(strcmp(hazptr_hold_mode(), expected_mode()) == 0);
	d = hazptr_domain_create(0);
	CHECK(d);
	test_holds(d);
	test_changing(d);
	test_changing(NULL);
	t_expect_abort("hold_protect(NULL hold)", hold_null, d,
		       "hazptr_hold_protect: NULL hold");
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	return t_report("hazptr hold");
}
