/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * domain.c - hazard-pointer domains: creation, the scan threshold and the
 * retire trigger, statistics, destruction, and fork().
 *
 * The library's files: record.c (records, thread exit, the synchronous
 * calls), retire.c (retire, the per-record caches, cleanup; the design
 * overview and the memory bound), reclaim.c (passes and hand-back),
 * worker.c (asynchronous reclamation), fence.c (heavy fence, clock),
 * pcpu.c (per-CPU slot domains).  docs/hazptr.md has the long version.
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* All domains, for fork; the default domain is one of them. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hazptr_domain *g_domains;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
HAZPTR_HIDDEN pthread_key_t g_exit_key;
HAZPTR_HIDDEN struct hazptr_domain g_default;

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

HAZPTR_HIDDEN unsigned int threshold_for(unsigned int slots)
{
	unsigned long t = (unsigned long)HAZPTR_SCAN_BASE +
			  (unsigned long)HAZPTR_SCAN_MULT * slots;

	if (t == 0)
		t = 1;
	return t > 0x7fffffffUL ? 0x7fffffffU : (unsigned int)t;
}

/*
 * The shared-list count that starts a pass: T minus what `records` retire
 * caches may hold, so that shared + cached stays within T, minus D, the
 * most the hand-back chains may hold (reclaim.c).  D is half of what is
 * left once two records exist (a lone thread only hands back to itself,
 * which it never does), and 0 when that is below 2: passes then run twice
 * as often, which costs one more heavy fence per D objects.  *defer_max
 * receives D.
 */
HAZPTR_HIDDEN unsigned int trigger_for(unsigned int records, unsigned int *defer_max,
				unsigned int *local_limit)
{
	unsigned long t = threshold_for(records * HAZPTR_NR_SLOTS);
	unsigned long cached = (unsigned long)records * (HAZPTR_RETIRE_BATCH - 1);
	unsigned long left = t > cached ? t - cached : 1;
	unsigned long dmax = records >= 2 ? left / 2 : 0;
	unsigned long local = records > 2 ? 2 * t / records : t;

	/*
	 * Local mode (few records): each record scans its own list at
	 * L = min(T, 2T / R) objects (a thread's first pass comes with its
	 * T-th retire at the latest), so the records hold at most 2T; the
	 * shared list (exits, callbacks, overflowing snapshots) gets what is
	 * left of 2T (< R) as its trigger, and its 2t + W0 fit in the 2H of
	 * the documented bound 2(T + H).
	 */
	if (local >= HAZPTR_LOCAL_MIN && HAZPTR_RETIRE_BATCH > 1) {
		*local_limit = (unsigned int)local;
		*defer_max = 0;
		return 2 * t > local * records ? (unsigned int)(2 * t - local * records) : 1;
	}
	*local_limit = 0;
	if (dmax < 2)
		dmax = 0;
	*defer_max = (unsigned int)dmax;
	return left - dmax > 0 ? (unsigned int)(left - dmax) : 1;
}

static void domain_init(struct hazptr_domain *d, unsigned int flags)
{
	unsigned int lim;
	int rc;

	memset(d, 0, sizeof(*d));
	atomic_init(&d->retired, NULL);
	atomic_init(&d->count, 0);
	atomic_init(&d->threshold, threshold_for(0));
	atomic_init(&d->trigger, trigger_for(0, &d->defer_max, &lim));
	atomic_init(&d->local_limit, lim);
	atomic_init(&d->deferred, 0);
	atomic_init(&d->records, NULL);
	atomic_init(&d->nrecords, 0);
	atomic_init(&d->nexplicit, 0);
	atomic_init(&d->ncohorts, 0);
	atomic_init(&d->cpu_slots, NULL);
	atomic_init(&d->reclaimed, 0);
	atomic_init(&d->scans, 0);
	atomic_init(&d->handed_back, 0);
	atomic_init(&d->worker_runs, 0);
	atomic_init(&d->delay_ns, HAZPTR_DELAY_DEFAULT_NS);
	atomic_init(&d->last_pass_ns, hazptr_now_ns_());
	d->cache_fence = hazptr_fence_mode();
	d->fence = (flags & HAZPTR_DOMAIN_FENCE) ? HAZPTR_FENCE_SEQ_CST
						 : d->cache_fence;
	rc = pthread_mutex_init(&d->lock, NULL);
	if (rc)
		hazptr_die("hazptr_domain_create: pthread_mutex_init: %s", strerror(rc));
}

static void global_init(void)
{
	int rc = pthread_key_create(&g_exit_key, thread_exit);

	if (rc)
		hazptr_die("pthread_key_create: %s", strerror(rc));
	domain_init(&g_default, 0);
	g_default.is_default = true;
	g_default.g_next = g_domains;
	g_domains = &g_default;
	rc = pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	if (rc)
		hazptr_die("pthread_atfork: %s", strerror(rc));
}

struct hazptr_domain *hazptr_default_domain(void)
{
	pthread_once(&g_once, global_init);
	return &g_default;
}

struct hazptr_domain *hazptr_domain_create(unsigned int flags)
{
	struct hazptr_domain *d;

	if (flags & ~HAZPTR_DOMAIN_FENCE) {
		errno = EINVAL;
		return NULL;
	}
	if (tls_in_pass) {	/* from a reclaim callback: lock order */
		errno = EDEADLK;
		return NULL;
	}
	pthread_once(&g_once, global_init);
	d = aligned_alloc(HAZPTR_CACHELINE, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	domain_init(d, flags);
	pthread_mutex_lock(&g_lock);
	d->g_next = g_domains;
	g_domains = d;
	pthread_mutex_unlock(&g_lock);
	return d;
}

enum hazptr_fence hazptr_domain_fence(const struct hazptr_domain *d)
{
	return d ? d->fence : hazptr_default_domain()->fence;
}

/* ------------------------------------------------------------------ */
/* Stats and destruction                                               */
/* ------------------------------------------------------------------ */

int hazptr_domain_stats(struct hazptr_domain *d, struct hazptr_stats *st)
{
	struct hazptr_rec_priv *r;
	long c;
	unsigned int nrec;

	if (!st)
		return -EINVAL;
	d = resolve(d);
	c = atomic_load_explicit(&d->count, memory_order_relaxed) +
	    atomic_load_explicit(&d->deferred, memory_order_relaxed);
	for_each_rec(d, r)
		c += atomic_load_explicit(&r->rt_n, memory_order_relaxed);
	nrec = atomic_load_explicit(&d->nrecords, memory_order_relaxed);
	st->pending = c > 0 ? (uint64_t)c : 0;
	st->reclaimed = atomic_load_explicit(&d->reclaimed, memory_order_relaxed);
	st->scans = atomic_load_explicit(&d->scans, memory_order_relaxed);
	st->handed_back = atomic_load_explicit(&d->handed_back, memory_order_relaxed);
	st->threshold = atomic_load_explicit(&d->threshold, memory_order_relaxed);
	st->records = nrec;
	st->slots = nrec * HAZPTR_NR_SLOTS;
	return 0;
}

static bool any_slot_busy(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r;

	for_each_rec(d, r)
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
			if (atomic_load_explicit(&r->pub.hp_slot[i], memory_order_acquire))
				return true;
	for_each_cpu_slot(d, s, arr)
		if (atomic_load_explicit(s, memory_order_acquire))
			return true;
	return false;
}

/* Unlink r from this thread's record list if it is there. */
static bool tls_unlink(struct hazptr_rec_priv *r)
{
	for (struct hazptr_rec_priv **pp = &tls_recs; *pp; pp = &(*pp)->tls_next) {
		if (*pp == r) {
			*pp = r->tls_next;
			if (tls_last == r)
				tls_last = NULL;
			return true;
		}
	}
	return false;
}

static void free_records(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r = atomic_load_explicit(&d->records, memory_order_acquire);
	struct hazptr_rec_priv *next;

	for (; r; r = next) {
		next = atomic_load_explicit(&r->next, memory_order_relaxed);
		if (tls_unlink(r)) {
			free(r);
			continue;
		}
		for (;;) {
			int st = atomic_load_explicit(&r->state, memory_order_acquire);

			if (st == HP_REC_EXITING) {	/* flushing into d: wait */
				sched_yield();
				continue;
			}
			/* Another thread's record: hand it over. */
			if (st == HP_REC_THREAD &&
			    atomic_compare_exchange_strong_explicit(&r->state, &st, HP_REC_DEAD,
								    memory_order_acq_rel,
								    memory_order_acquire))
				break;
			if (st == HP_REC_THREAD || st == HP_REC_EXITING)
				continue;	/* changed under us: look again */
			free(r);		/* FREE: ours */
			break;
		}
	}
}

/* Reclaim what exiting threads flushed after the last pass: no record is
 * left, so nothing can protect it. */
static void reclaim_leftovers(struct hazptr_domain *d)
{
	struct hazptr_obj *o, *next;

	tls_in_pass = d;
	while ((o = atomic_exchange_explicit(&d->retired, NULL, memory_order_acquire))) {
		for (; o; o = next) {
			next = o->hp_next;
			o->hp_reclaim(o);
		}
	}
	tls_in_pass = NULL;
}

int hazptr_domain_destroy(struct hazptr_domain *d)
{
	unsigned long freed;

	if (!d || d->is_default)
		return -EINVAL;
	if (tls_in_pass)
		return -EDEADLK;
	if (d->worker && hazptr_worker_stop(d) == -EDEADLK)
		return -EDEADLK;
	pthread_mutex_lock(&d->lock);
	if (atomic_load_explicit(&d->nexplicit, memory_order_relaxed) ||
	    atomic_load_explicit(&d->ncohorts, memory_order_relaxed) || any_slot_busy(d)) {
		pthread_mutex_unlock(&d->lock);
		return -EBUSY;
	}
	tls_in_pass = d;
	drain_all(d);
	steal_caches(d);
	do
		freed = scan_pass(d, NULL, false);
	while (freed && atomic_load_explicit(&d->retired, memory_order_acquire));
	tls_in_pass = NULL;
	if (atomic_load_explicit(&d->retired, memory_order_acquire)) {
		/* Something was protected after the check: a caller bug, but
		 * refuse rather than free what a reader holds. */
		pthread_mutex_unlock(&d->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&d->lock);

	pthread_mutex_lock(&g_lock);
	for (struct hazptr_domain **pp = &g_domains; *pp; pp = &(*pp)->g_next) {
		if (*pp == d) {
			*pp = d->g_next;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);

	free_records(d);
	reclaim_leftovers(d);
	free(d->scan_buf);
	free((void *)atomic_load_explicit(&d->cpu_slots, memory_order_relaxed));
	pthread_mutex_destroy(&d->lock);
	free(d);
	return 0;
}

/* ------------------------------------------------------------------ */
/* fork()                                                              */
/* ------------------------------------------------------------------ */

/*
 * Hold every domain's lock across fork() so that the child never inherits a
 * lock taken by a thread it does not have (a pass in progress).  A fork from
 * inside a reclaim callback already holds its domain's lock: skip that one.
 */
static void atfork_prepare(void)
{
	hazptr_worker_atfork_prepare_();
	pthread_mutex_lock(&g_lock);
	for (struct hazptr_domain *d = g_domains; d; d = d->g_next)
		if (d != tls_in_pass)
			pthread_mutex_lock(&d->lock);
}

static void atfork_parent(void)
{
	for (struct hazptr_domain *d = g_domains; d; d = d->g_next)
		if (d != tls_in_pass)
			pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&g_lock);
	hazptr_worker_atfork_parent_();
}

static bool on_tls_list(struct hazptr_rec_priv *r)
{
	for (struct hazptr_rec_priv *t = tls_recs; t; t = t->tls_next)
		if (t == r)
			return true;
	return false;
}

/*
 * Only the forking thread exists in the child: the other threads' records
 * would pin whatever their slots held forever.  Move their retire caches to
 * the domain, clear and recycle them.
 * Explicit records stay: whoever holds them may live on in this thread.
 */
static void atfork_child(void)
{
	for (struct hazptr_domain *d = g_domains; d; d = d->g_next) {
		struct hazptr_rec_priv *r;

		for_each_rec(d, r) {
			int st = atomic_load_explicit(&r->state, memory_order_relaxed);
			struct hazptr_obj *first, *last;
			long n;

			if ((st != HP_REC_THREAD && st != HP_REC_EXITING) || on_tls_list(r))
				continue;
			/* No stealer runs (we hold every domain lock); the
			 * vanished owner may have been inside its cache. */
			n = cache_take(r, &first, &last);
			atomic_store_explicit(&r->rt_busy, 0, memory_order_relaxed);
			if (n) {
				push_retired(d, first, last);
				atomic_fetch_add_explicit(&d->count, n, memory_order_relaxed);
			}
			rec_clear_slots(r);
			atomic_store_explicit(&r->state, HP_REC_FREE, memory_order_release);
		}
		if (d != tls_in_pass)
			pthread_mutex_unlock(&d->lock);
		if (d->worker)
			hazptr_worker_forget_(d);	/* its thread is not here */
	}
	pthread_mutex_unlock(&g_lock);
	hazptr_worker_atfork_child_();
	hazptr_fence_atfork_child_();
}
