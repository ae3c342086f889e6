/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * features.c - unit tests of the features beyond classic hazard pointers:
 * the time-based trigger (hazptr_domain_set_delay()), batch protection
 * (hazptr_protect_many()), refcount promotion (hazptr_ref_*) and the
 * reclamation worker (hazptr_worker_*), the last two with a small age
 * torture as well.  Apart from that torture,
 * deterministic: no
 * assertion depends on how fast the machine is; a sleep only ensures that
 * at least the configured delay has passed on the monotonic clock.
 * Built against libhazptr.a (local mode) and lib-shared.o (shared mode).
 */
#include "common.h"

#include <sys/wait.h>

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

/* ---- refcount promotion ---- */

struct rnode {
	_Atomic int age;		/* 0 live, 1 unlinked, 2 reclaimed */
	struct hazptr_ref ref;
	struct hazptr_obj hp;
	struct rnode *grave_next;
};

static pthread_mutex_t grave_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rnode *grave;

/* Reclaim: mark the age and keep the object until the end (any thread). */
static void rnode_reclaim(struct hazptr_obj *o)
{
	struct rnode *n = (struct rnode *)((char *)o - offsetof(struct rnode, hp));

	atomic_store_explicit(&n->age, 2, memory_order_relaxed);
	pthread_mutex_lock(&grave_lock);
	n->grave_next = grave;
	grave = n;
	pthread_mutex_unlock(&grave_lock);
	atomic_fetch_add(&n_reclaimed, 1);
}

static struct rnode *rnode_new(long count)
{
	struct rnode *n = calloc(1, sizeof(*n));

	if (!n)
		DIE("out of memory");
	hazptr_ref_init(&n->ref, count);
	return n;
}

static void grave_free(void)
{
	for (struct rnode *n = grave, *next; n; n = next) {
		next = n->grave_next;
		free(n);
	}
	grave = NULL;
}

/* Promote, a failed promote on a dying object, demote, the last put. */
static void test_ref(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	struct hazptr_rec *r = hazptr_rec_get(d);
	struct rnode *a = rnode_new(1), *b = rnode_new(0);	/* b: dying */
	struct rnode *_Atomic src;

	CHECK(d && r);
	atomic_store(&n_reclaimed, 0);
	atomic_init(&src, a);
	CHECK(HAZPTR_PROTECT(r, 0, &src) == a);
	CHECK(hazptr_ref_promote(r, 0, &a->ref));
	CHECK(hazptr_slot_load(r, 0) == NULL);
	CHECK_EQ(atomic_load(&a->ref.count), 2);
	/* The updater unlinks a and drops the source's reference. */
	atomic_store(&src, NULL);
	CHECK(!hazptr_ref_put(d, &a->ref, &a->hp, a, rnode_reclaim));
	/* Back to a protection in slot 1; the drop is the last: retired. */
	hazptr_ref_demote(d, r, 1, &a->ref, &a->hp, a, rnode_reclaim);
	CHECK(hazptr_slot_load(r, 1) == a);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);		/* slot 1 holds it */
	CHECK_EQ(atomic_load(&a->age), 0);
	hazptr_clear(r, 1);
	CHECK_EQ(hazptr_cleanup(d), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), 1);

	atomic_store(&src, b);
	CHECK(HAZPTR_PROTECT(r, 0, &src) == b);
	CHECK(!hazptr_ref_promote(r, 0, &b->ref));	/* count 0 */
	CHECK(hazptr_slot_load(r, 0) == b);		/* still protected */
	hazptr_clear(r, 0);
	free(b);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	grave_free();
	printf("ok   refcount promotion: promote, failed promote, demote, last put\n");
}

/*
 * Age torture: readers protect `cur`, promote, block (sleep or spin) while
 * counted, check the age, then drop the reference or demote and drop the
 * protection.  The writer replaces `cur`, marks the old object 1 and drops
 * the source's reference; whichever put is last retires it.  A reader that
 * sees age 2 used an object the library reclaimed.
 */
static struct rnode *_Atomic tcur;
static _Atomic int tstop;
static _Atomic long tviolations, tpromoted, tfailed;
static struct hazptr_domain *tdom;

static void *ref_reader(void *arg)
{
	struct hazptr_rec *r = hazptr_rec_get(tdom);
	uint64_t seed = (uint64_t)(uintptr_t)arg * 7919 + 1;

	if (!r)
		DIE("hazptr_rec_get");
	while (!atomic_load_explicit(&tstop, memory_order_relaxed)) {
		struct rnode *n = HAZPTR_PROTECT(r, 0, &tcur);
		uint64_t x = t_rand(&seed);

		if (!hazptr_ref_promote(r, 0, &n->ref)) {
			hazptr_clear(r, 0);
			atomic_fetch_add(&tfailed, 1);
			continue;
		}
		atomic_fetch_add(&tpromoted, 1);
		if ((x & 63) == 0)
			t_sleep_us((unsigned int)(x >> 20) % 200);	/* blocks */
		else
			for (unsigned int i = (unsigned int)(x >> 8) & 255; i; i--)
				t_cpu_relax();
		if (atomic_load_explicit(&n->age, memory_order_relaxed) > 1)
			atomic_fetch_add(&tviolations, 1);
		if (x & 0x100) {
			hazptr_ref_demote(tdom, r, 1, &n->ref, &n->hp, n, rnode_reclaim);
			if (atomic_load_explicit(&n->age, memory_order_relaxed) > 1)
				atomic_fetch_add(&tviolations, 1);
			hazptr_clear(r, 1);
		} else {
			hazptr_ref_put(tdom, &n->ref, &n->hp, n, rnode_reclaim);
		}
	}
	return NULL;
}

static void torture_ref(bool worker)
{
	enum { NR = 3, UPDATES = 200000 };
	pthread_t t[NR];
	long updates = t_sanitized() ? UPDATES / 10 : UPDATES;

	tdom = hazptr_domain_create(0);
	CHECK(tdom != NULL);
	atomic_store(&tstop, 0);
	atomic_store(&tviolations, 0);
	atomic_store(&tpromoted, 0);
	atomic_store(&tfailed, 0);
	/* With the worker, callbacks also run on it, concurrently with the
	 * retiring threads' own passes. */
	if (worker)
		CHECK_EQ(hazptr_worker_start(tdom, 100000), 0);	/* 100 us */
	atomic_store(&n_reclaimed, 0);
	atomic_store(&tcur, rnode_new(1));
	for (long i = 0; i < NR; i++)
		t_create(&t[i], ref_reader, (void *)i);
	if (!hazptr_rec_get(tdom))
		DIE("hazptr_rec_get");
	for (long i = 0; i < updates; i++) {
		struct rnode *old = atomic_exchange_explicit(&tcur, rnode_new(1),
							    memory_order_acq_rel);

		atomic_store_explicit(&old->age, 1, memory_order_relaxed);
		hazptr_ref_put(tdom, &old->ref, &old->hp, old, rnode_reclaim);
		if ((i & 255) == 0)
			sched_yield();
	}
	atomic_store(&tstop, 1);
	for (int i = 0; i < NR; i++)
		t_join(t[i]);
	CHECK_EQ(hazptr_cleanup(tdom), 0);
	if (worker)
		CHECK_EQ(hazptr_worker_stop(tdom), 0);
	printf("ok   promotion torture%s: %ld updates, %ld promotions (%ld failed), "
	       "%ld reclaimed, violations %ld\n", worker ? " with worker" : "",
	       updates, atomic_load(&tpromoted),
	       atomic_load(&tfailed), atomic_load(&n_reclaimed), atomic_load(&tviolations));
	CHECK_EQ(atomic_load(&tviolations), 0);
	CHECK_EQ(atomic_load(&n_reclaimed), updates);	/* all but the current one */
	free(atomic_load(&tcur));
	CHECK_EQ(hazptr_domain_destroy(tdom), 0);
	grave_free();
}

/* ---- reclamation worker ---- */

/* Wait (bounded: 30 s, which only a stuck worker exceeds) until d has
 * reclaimed n objects; returns whether it did. */
static bool wait_reclaimed(struct hazptr_domain *d, uint64_t n)
{
	struct hazptr_stats st;

	for (int i = 0; i < 30000; i++) {
		hazptr_domain_stats(d, &st);
		if (st.reclaimed >= n)
			return true;
		t_sleep_us(1000);
	}
	return false;
}

/*
 * Objects below every limit, time trigger off, no more retires: only the
 * worker can reclaim them.  Start/stop errors; fork with a running worker
 * (the child has none and may start its own); destroy stops it.
 */
static void test_worker(void)
{
	struct hazptr_domain *d = hazptr_domain_create(0);
	pid_t pid;
	int status;

	CHECK(d != NULL);
	atomic_store(&n_reclaimed, 0);
	hazptr_domain_set_delay(d, 0);
	for (int i = 0; i < 10; i++)
		retire_new(d, i);
	CHECK_EQ(atomic_load(&n_reclaimed), 0);
	CHECK_EQ(hazptr_worker_start(d, 0), -EINVAL);
	CHECK_EQ(hazptr_worker_stop(d), -ESRCH);
	CHECK_EQ(hazptr_worker_start(d, 1000000), 0);		/* 1 ms */
	CHECK_EQ(hazptr_worker_start(d, 1000000), -EBUSY);
	CHECK(wait_reclaimed(d, 10));
	CHECK_EQ(atomic_load(&n_reclaimed), 10);

	pid = fork();
	if (pid == 0) {
		/* The worker thread was not copied: the child has none, and
		 * may start another (not under ThreadSanitizer, which refuses
		 * new threads after a multi-threaded fork). */
		int ok = hazptr_worker_stop(d) == -ESRCH;

		for (int i = 0; i < 5; i++)
			retire_new(d, i);
		if (HAZPTR_TSAN_)
			ok = ok && hazptr_cleanup(d) == 0;
		else
			ok = ok && hazptr_worker_start(d, 1000000) == 0 &&
			     wait_reclaimed(d, 15) && hazptr_worker_stop(d) == 0;
		ok = ok && wait_reclaimed(d, 15) && hazptr_domain_destroy(d) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 5; i++)
		retire_new(d, i);
	CHECK(wait_reclaimed(d, 15));
	CHECK_EQ(hazptr_worker_stop(d), 0);
	CHECK_EQ(hazptr_worker_start(d, 1000000), 0);
	CHECK_EQ(hazptr_domain_destroy(d), 0);		/* stops it */
	printf("ok   worker: reclaims with no retires, errors, fork, destroy\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hazptr features: fence=%s\n", hazptr_fence_name(hazptr_fence_mode()));
	test_delay();
	test_protect_many();
	test_ref();
	torture_ref(false);
	test_worker();
	torture_ref(true);
	if (t_failures)
		printf("hazptr features: %d check(s) failed\n", t_failures);
	printf("End of test: %s\n", t_failures ? "FAILURE" : "SUCCESS");
	return t_failures ? 1 : 0;
}
