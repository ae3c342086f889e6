/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * record.c - records (each thread's slots in a domain), thread exit, and
 * the synchronous calls that read every slot (hazptr_synchronize(),
 * hazptr_scan()).
 *
 *  Records.  A domain keeps a prepend-only list of records, each an array of
 *  HAZPTR_NR_SLOTS slots.  Records are never freed while the domain lives:
 *  a thread that exits clears its slots and marks its record FREE, and the
 *  next thread to register claims it with one CAS.  So "live slots" H only
 *  grows, and scanners may walk the list without locks.
 *
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* This thread's implicit records (all domains) and the last one used. */
HAZPTR_HIDDEN HAZPTR_TLS struct hazptr_rec_priv *tls_recs;
HAZPTR_HIDDEN HAZPTR_TLS struct hazptr_rec_priv *tls_last;
/* The domain whose pass this thread is running (its lock is held), and how
 * many objects its reclaim callbacks retired into it. */
HAZPTR_HIDDEN HAZPTR_TLS struct hazptr_domain *tls_in_pass;
HAZPTR_HIDDEN HAZPTR_TLS unsigned long tls_cb_retired;

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

/* A new record, inserted under d->lock (which also sizes the scan buffer, so
 * a pass never allocates).  NULL + errno. */
static struct hazptr_rec_priv *rec_new(struct hazptr_domain *d, int state)
{
	struct hazptr_rec_priv *r;
	size_t need;
	unsigned int nrec, lim;

	if (tls_in_pass) {	/* registering from a reclaim callback */
		errno = EDEADLK;
		return NULL;
	}
	r = aligned_alloc(HAZPTR_CACHELINE,
			  (sizeof(*r) + HAZPTR_CACHELINE - 1) & ~(size_t)(HAZPTR_CACHELINE - 1));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->light = d->fence == HAZPTR_FENCE_MEMBARRIER;
	r->cache_light = d->cache_fence == HAZPTR_FENCE_MEMBARRIER;
	for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
		atomic_init(&r->pub.hp_slot[i], NULL);
	r->domain = d;
	atomic_init(&r->state, state);
	atomic_init(&r->rt_head, NULL);
	atomic_init(&r->rt_n, 0);

	pthread_mutex_lock(&d->lock);
	need = ((size_t)atomic_load_explicit(&d->nrecords, memory_order_relaxed) + 1) *
	       HAZPTR_NR_SLOTS + d->ncpu_slots;
	if (need > d->scan_cap) {
		size_t cap = d->scan_cap ? d->scan_cap * 2 : 4 * HAZPTR_NR_SLOTS;
		const void **buf;

		while (cap < need)
			cap *= 2;
		buf = realloc(d->scan_buf, cap * sizeof(*buf));
		if (!buf) {
			pthread_mutex_unlock(&d->lock);
			free(r);
			errno = ENOMEM;
			return NULL;
		}
		d->scan_buf = buf;
		d->scan_cap = cap;
	}
	atomic_init(&r->next, atomic_load_explicit(&d->records, memory_order_relaxed));
	/*
	 * Orders: initialisation of *r  before  its appearance on the list.
	 * Pairs with: the acquire loads in for_each_rec().  [pair:hp-rec-insert]
	 * A scanner that misses the new record is still safe: the insertion
	 * precedes the owner's first slot store and so its reader fence; the
	 * hp-publish argument covers it as it covers the slot store.
	 */
	atomic_store_explicit(&d->records, r, memory_order_release);
	nrec = atomic_load_explicit(&d->nrecords, memory_order_relaxed) + 1;
	atomic_store_explicit(&d->nrecords, nrec, memory_order_relaxed);
	atomic_store_explicit(&d->threshold, threshold_for(nrec * HAZPTR_NR_SLOTS),
			      memory_order_relaxed);
	atomic_store_explicit(&d->trigger, trigger_for(nrec, &d->defer_max, &lim),
			      memory_order_relaxed);
	atomic_store_explicit(&d->local_limit, lim, memory_order_relaxed);
	pthread_mutex_unlock(&d->lock);
	return r;
}

/* Claim a FREE record of d, or make one. */
static struct hazptr_rec_priv *rec_claim(struct hazptr_domain *d, int state)
{
	struct hazptr_rec_priv *r;

	for_each_rec(d, r) {
		int expect = HP_REC_FREE;

		/* Acquire: the previous owner's clears happen before our use.
		 * Pairs with the release in thread_exit()/hazptr_rec_free(). */
		if (atomic_load_explicit(&r->state, memory_order_relaxed) == HP_REC_FREE &&
		    atomic_compare_exchange_strong_explicit(&r->state, &expect, state,
							    memory_order_acquire,
							    memory_order_relaxed))
			return r;
	}
	return rec_new(d, state);
}

static void check_abi(const char *call, size_t abi)
{
	if (abi != sizeof(struct hazptr_rec))
		hazptr_die("%s: caller built with a different HAZPTR_NR_SLOTS "
			   "(record size %zu, library %zu)", call, abi,
			   sizeof(struct hazptr_rec));
}

HAZPTR_HIDDEN struct hazptr_rec *rec_get_slow(struct hazptr_domain *d)
{
	struct hazptr_rec_priv **pp = &tls_recs, *r;

	/* Free records whose domain was destroyed, and look for d's. */
	while ((r = *pp)) {
		int st = atomic_load_explicit(&r->state, memory_order_acquire);

		if (st == HP_REC_DEAD) {
			*pp = r->tls_next;
			if (tls_last == r)
				tls_last = NULL;
			free(r);
			continue;
		}
		if (r->domain == d) {
			tls_last = r;
			return rec_handle(r);
		}
		pp = &r->tls_next;
	}
	r = rec_claim(d, HP_REC_THREAD);
	if (!r)
		return NULL;
	r->last_scan_ns = hazptr_now_ns_();	/* time trigger: from now */
	r->since_check = 0;
	r->tls_next = tls_recs;
	tls_recs = r;
	tls_last = r;
	/* Any non-NULL value makes thread_exit() run. */
	pthread_setspecific(g_exit_key, &tls_recs);
	return rec_handle(r);
}

struct hazptr_rec *hazptr_rec_get_(struct hazptr_domain *d, size_t abi)
{
	struct hazptr_rec_priv *r = tls_last;

	check_abi("hazptr_rec_get", abi);
	d = resolve(d);
	if (r && r->domain == d &&
	    atomic_load_explicit(&r->state, memory_order_relaxed) == HP_REC_THREAD)
		return rec_handle(r);
	return rec_get_slow(d);
}

struct hazptr_rec *hazptr_rec_alloc_(struct hazptr_domain *d, size_t abi)
{
	struct hazptr_rec_priv *r;

	check_abi("hazptr_rec_alloc", abi);
	d = resolve(d);
	r = rec_claim(d, HP_REC_EXPLICIT);
	if (!r)
		return NULL;
	atomic_fetch_add_explicit(&d->nexplicit, 1, memory_order_relaxed);
	return rec_handle(r);
}

void hazptr_rec_free(struct hazptr_rec *pub)
{
	struct hazptr_rec_priv *r = rec_priv(pub);

	if (!pub)
		hazptr_die("hazptr_rec_free: NULL record");
	if (atomic_load_explicit(&r->state, memory_order_relaxed) != HP_REC_EXPLICIT)
		hazptr_die("hazptr_rec_free: record %p was not allocated by "
			   "hazptr_rec_alloc() (or was freed already)", (void *)pub);
	rec_clear_slots(r);
	atomic_fetch_sub_explicit(&r->domain->nexplicit, 1, memory_order_relaxed);
	atomic_store_explicit(&r->state, HP_REC_FREE, memory_order_release);
}

/* ------------------------------------------------------------------ */
/* Thread exit                                                         */
/* ------------------------------------------------------------------ */

/* pthread key destructor: release this thread's records. */
HAZPTR_HIDDEN void thread_exit(void *unused)
{
	struct hazptr_rec_priv *r, *next;

	(void)unused;
	for (r = tls_recs; r; r = next) {
		int expect = HP_REC_THREAD;

		next = r->tls_next;	/* r may be freed by destroy after the CAS */
		if (!atomic_compare_exchange_strong_explicit(&r->state, &expect, HP_REC_EXITING,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			free(r);	/* HP_REC_DEAD: ours to free */
			continue;
		}
		/* EXITING: destroy waits for FREE, so the domain lives on.
		 * Hand the cache to the domain (unless a stealer has it). */
		if (cache_enter(r)) {
			struct hazptr_obj *first, *last;
			long n = cache_take(r, &first, &last);

			cache_exit(r);
			if (n) {
				push_retired(r->domain, first, last);
				atomic_fetch_add_explicit(&r->domain->count, n,
							  memory_order_relaxed);
			}
		}
		/* What passes handed back to us: reclaim it now.  (A pass that
		 * saw us as THREAD may still hand back a chain after this; it
		 * waits, within D, for the record's next owner or a cleanup.) */
		handback_drain(r->domain, r);
		rec_clear_slots(r);
		/* Release: our slot clears happen before the next owner's
		 * claim (acquire in rec_claim()) and before destroy frees r. */
		atomic_store_explicit(&r->state, HP_REC_FREE, memory_order_release);
	}
	tls_recs = NULL;
	tls_last = NULL;
}

/* This thread's record in d, or NULL; never registers. */
HAZPTR_HIDDEN struct hazptr_rec_priv *tls_find(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r = tls_last;

	if (r && r->domain == d &&
	    atomic_load_explicit(&r->state, memory_order_relaxed) == HP_REC_THREAD)
		return r;
	for (r = tls_recs; r; r = r->tls_next) {
		if (r->domain == d &&
		    atomic_load_explicit(&r->state, memory_order_relaxed) == HP_REC_THREAD) {
			tls_last = r;
			return r;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Synchronous calls                                                   */
/* ------------------------------------------------------------------ */

HAZPTR_HIDDEN bool own_record_holds(struct hazptr_domain *d, const void *addr)
{
	for (struct hazptr_rec_priv *r = tls_recs; r; r = r->tls_next) {
		if (r->domain != d ||
		    atomic_load_explicit(&r->state, memory_order_relaxed) != HP_REC_THREAD)
			continue;
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
			if (atomic_load_explicit(&r->pub.hp_slot[i], memory_order_relaxed) == addr)
				return true;
	}
	return false;
}

int hazptr_synchronize(struct hazptr_domain *d, const void *addr)
{
	struct hazptr_rec_priv *r;

	if (!addr)
		return -EINVAL;
	d = resolve(d);
	if (own_record_holds(d, addr))
		return -EDEADLK;
	hazptr_heavy_fence_(d->fence);		/* [pair:hp-publish] */
	for_each_rec(d, r) {
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++) {
			unsigned int spins = 0;

			/* Acquire: the holder's accesses happen before our
			 * return.  [pair:hp-release] */
			while (atomic_load_explicit(&r->pub.hp_slot[i],
						    memory_order_acquire) == addr) {
				if (++spins > 128)
					sched_yield();
			}
		}
	}
	for_each_cpu_slot(d, s, arr) {
		unsigned int spins = 0;

		while (atomic_load_explicit(s, memory_order_acquire) == addr) /* [pair:hp-release] */
			if (++spins > 128)
				sched_yield();
	}
	return 0;
}

unsigned int hazptr_scan(struct hazptr_domain *d, const void *addr,
			 hazptr_match_fn *on_match, void *arg)
{
	struct hazptr_rec_priv *r;
	unsigned int matches = 0;

	if (!addr)
		return 0;
	d = resolve(d);
	hazptr_heavy_fence_(d->fence);		/* [pair:hp-publish] */
	for_each_rec(d, r) {
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++) {
			/* [pair:hp-release] */
			if (atomic_load_explicit(&r->pub.hp_slot[i],
						 memory_order_acquire) != addr)
				continue;
			matches++;
			if (on_match)
				on_match(arg, rec_handle(r), i, (void *)addr);
		}
	}
	for_each_cpu_slot(d, s, arr) {
		if (atomic_load_explicit(s, memory_order_acquire) != addr) /* [pair:hp-release] */
			continue;
		matches++;
		if (on_match)		/* a hold: no record */
			on_match(arg, NULL, (unsigned int)(s - arr), (void *)addr);
	}
	return matches;
}
