/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hazptr.c - hazard-pointer domains: records, retire, reclamation passes,
 * synchronous waits, thread exit and fork.
 *
 * Design (docs/hazptr.md has the long version):
 *
 *  Records.  A domain keeps a prepend-only list of records, each an array of
 *  HAZPTR_NR_SLOTS slots.  Records are never freed while the domain lives:
 *  a thread that exits clears its slots and marks its record FREE, and the
 *  next thread to register claims it with one CAS.  So "live slots" H only
 *  grows, and scanners may walk the list without locks.
 *
 *  Retire, local mode (few records: L = min(T, 2T/R) >= HAZPTR_LOCAL_MIN).
 *  A thread keeps what it retires on its own record (registered on its
 *  first retire) and scans that list itself at L objects (retire_local(),
 *  local_pass() in reclaim.c): no shared write, no lock, and each object is
 *  reclaimed by the thread that retired it.  The records hold < 2T.
 *
 *  Retire, shared mode (many records).  A thread that owns a record keeps
 *  up to K - 1 retired objects on it (plain stores on its own cache line:
 *  see cache_enter() for the handshake with cleanup's steal) and hands the
 *  chain to the domain's shared Treiber list HAZPTR_RETIRE_BATCH (K, 16) at
 *  a time; other threads push single objects.  Either way the retirer first
 *  reserves its objects in the domain's counter, then pushes.  The
 *  reservation that makes the counter reach the trigger runs a pass under
 *  the domain's lock; a reservation past it waits for that lock (and so for
 *  a running pass) before pushing.  A pass hands free objects other
 *  threads retired back to them (reclaim.c).  Retired objects never stay
 *  with a dead thread: exit flushes the record's list to the domain.
 *
 *  Pass (scan_pass).  Take the whole shared list, heavy fence, copy every
 *  non-NULL slot into a buffer sized for all slots (allocated at
 *  registration, never here), sort it, then reclaim each taken object whose
 *  address is not in the buffer and push the survivors (at most H) back.
 *  Cost O(batch + H log H); batch >= trigger >= BASE + R: amortised O(1)
 *  per retire (R records, H = R * HAZPTR_NR_SLOTS live slots).
 *
 *  Memory bound (shared mode; docs/hazptr.md has local mode and the
 *  hand-back budget D, which the trigger also subtracts).  The documented
 *  threshold is T = HAZPTR_SCAN_BASE + HAZPTR_SCAN_MULT * H.  The shared
 *  list starts a pass at the trigger t = T - R(K - 1) - D, because the R
 *  record caches may hold K - 1 objects each (K while their owner flushes
 *  or waits for the lock);
 *  K <= HAZPTR_SCAN_MULT * HAZPTR_NR_SLOTS keeps t >= HAZPTR_SCAN_BASE + R.
 *  A lock-free push needs a reservation below t, and survivors are counted
 *  like any push, so when a pass takes the list it holds < t + K objects,
 *  while it runs the new list stays < t, and the caches hold <= R K:
 *      pending <= 2t + K(R + 1) - 2 = 2T + (2 - K)(R - 1)   (+ W0)
 *  which is <= 2T for K >= 2, W0 being the threads that retire without a
 *  record and wait for the lock (one object each).  With K = 1 (no cache)
 *  the R term counts the threads waiting instead.  The tests assert the
 *  documented 2 (T + H).  hazptr_cleanup() and hazptr_domain_destroy() also
 *  take the record caches, so "everything retired before the call" is exact.
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
static pthread_key_t g_exit_key;
static struct hazptr_domain g_default;

/* This thread's implicit records (all domains) and the last one used. */
static HAZPTR_TLS struct hazptr_rec_priv *tls_recs;
static HAZPTR_TLS struct hazptr_rec_priv *tls_last;
/* The domain whose pass this thread is running (its lock is held), and how
 * many objects its reclaim callbacks retired into it. */
static HAZPTR_TLS struct hazptr_domain *tls_in_pass;
static HAZPTR_TLS unsigned long tls_cb_retired;

static void thread_exit(void *unused);
static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

/* Handle (include/hazptr.h: the address, bit 0 set in seq_cst mode) to
 * record, and back. */
static struct hazptr_rec_priv *rec_priv(const struct hazptr_rec *h)
{
	return (struct hazptr_rec_priv *)hazptr_rec_(h);	/* pub is first */
}

static struct hazptr_rec *rec_handle(struct hazptr_rec_priv *r)
{
	return (struct hazptr_rec *)((uintptr_t)&r->pub |
				     (r->light ? 0 : HAZPTR_REC_FENCED_));
}

static unsigned int threshold_for(unsigned int slots)
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
static unsigned int trigger_for(unsigned int records, unsigned int *defer_max,
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
	atomic_init(&d->reclaimed, 0);
	atomic_init(&d->scans, 0);
	atomic_init(&d->handed_back, 0);
	atomic_init(&d->worker_runs, 0);
	atomic_init(&d->delay_ns, HAZPTR_DELAY_DEFAULT_NS);
	atomic_init(&d->last_pass_ns, hazptr_now_ns_());
	d->fence = (flags & HAZPTR_DOMAIN_FENCE) ? HAZPTR_FENCE_SEQ_CST
						 : hazptr_fence_mode();
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

static struct hazptr_domain *resolve(struct hazptr_domain *d)
{
	return d ? d : hazptr_default_domain();
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
/* Records                                                             */
/* ------------------------------------------------------------------ */

static void rec_clear_slots(struct hazptr_rec_priv *r)
{
	hazptr_clear_all(&r->pub);
}

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
	for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
		atomic_init(&r->pub.hp_slot[i], NULL);
	r->domain = d;
	atomic_init(&r->state, state);
	atomic_init(&r->rt_head, NULL);
	atomic_init(&r->rt_n, 0);

	pthread_mutex_lock(&d->lock);
	need = ((size_t)atomic_load_explicit(&d->nrecords, memory_order_relaxed) + 1) *
	       HAZPTR_NR_SLOTS;
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

static struct hazptr_rec *rec_get_slow(struct hazptr_domain *d)
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
/* Retired lists                                                       */
/* ------------------------------------------------------------------ */

/*
 * The retire cache handshake.  The owner changes its cache only between
 * cache_enter() and cache_exit(); a stealer (steal_caches(), always under
 * the domain lock) takes it only after setting rt_steal and seeing rt_busy
 * clear.  This is the same store-buffering pattern as protect/scan, and it
 * uses the same asymmetric fence, so a retire costs no locked instruction:
 *
 * Orders: owner's store rt_busy = 1  before  its load of rt_steal;
 *   stealer's store rt_steal = 1  before  its loads of rt_busy.
 *   [pair:hp-retire-cache]
 * Pairs with: the heavy fence in steal_caches().
 * Without it (store buffering):
 *   owner: hazptr_retire()             stealer: hazptr_cleanup()
 *     rt_busy = 1  (buffered)            rt_steal = 1  (buffered)
 *     load rt_steal -> 0                 load rt_busy -> 0
 *     head = obj (obj->next = old head)  take head, head = NULL
 *   => the `old head` chain is on both sides: reclaimed twice.
 * x86 cost: membarrier mode: nothing (compiler barrier); seq_cst mode: one
 *   `lock or` (like the CAS it replaces).  Under ThreadSanitizer
 *   (HAZPTR_TSAN_): a locked RMW on a thread-private word (see
 *   hazptr_full_fence_()).
 * The releases (rt_busy = 0, rt_steal = 0) and acquires (loads of them)
 * order the list itself: whichever side goes second sees the other's writes.
 */
static bool cache_enter(struct hazptr_rec_priv *r)
{
	atomic_store_explicit(&r->rt_busy, 1, memory_order_relaxed);
#if HAZPTR_TSAN_
	hazptr_full_fence_();
#else
	if (r->light)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
#endif
	if (atomic_load_explicit(&r->rt_steal, memory_order_acquire)) {
		atomic_store_explicit(&r->rt_busy, 0, memory_order_release);
		return false;
	}
	return true;
}

static void cache_exit(struct hazptr_rec_priv *r)
{
	atomic_store_explicit(&r->rt_busy, 0, memory_order_release);
}

/* Take r's whole cache (the owner inside cache_enter(), or a stealer that
 * saw rt_busy clear).  Returns its length; the chain is *first..*last. */
static long cache_take(struct hazptr_rec_priv *r, struct hazptr_obj **first,
		       struct hazptr_obj **last)
{
	struct hazptr_obj *o = atomic_load_explicit(&r->rt_head, memory_order_relaxed);
	long n = 0;

	atomic_store_explicit(&r->rt_head, NULL, memory_order_relaxed);
	atomic_store_explicit(&r->rt_n, 0, memory_order_relaxed);
	*first = o;
	*last = NULL;
	for (; o; o = o->hp_next) {
		*last = o;
		n++;
	}
	return n;
}

/* Move every record's cache to the shared list (no pass).  d->lock held,
 * which makes this the only stealer. */
static void steal_caches(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r;

	for_each_rec(d, r)
		atomic_store_explicit(&r->rt_steal, 1, memory_order_relaxed);
	hazptr_heavy_fence_(d->fence);		/* [pair:hp-retire-cache] */
	for_each_rec(d, r) {
		struct hazptr_obj *first, *last;
		long n;

		while (atomic_load_explicit(&r->rt_busy, memory_order_acquire))
			sched_yield();		/* owner inside: a few stores */
		n = cache_take(r, &first, &last);
		atomic_store_explicit(&r->rt_steal, 0, memory_order_release);
		if (n) {
			push_retired(d, first, last);
			atomic_fetch_add_explicit(&d->count, n, memory_order_relaxed);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Thread exit                                                         */
/* ------------------------------------------------------------------ */

/* pthread key destructor: release this thread's records. */
static void thread_exit(void *unused)
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
static struct hazptr_rec_priv *tls_find(struct hazptr_domain *d)
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

/*
 * Hand the chain first..last (n objects) to d: reserve n in the counter,
 * then push.  A reservation that reaches the trigger pushes under d->lock
 * and runs a pass (waiting for a running one first): see the bound above.
 */
static void publish(struct hazptr_domain *d, struct hazptr_obj *first,
		    struct hazptr_obj *last, long n, bool force)
{
	long c = atomic_fetch_add_explicit(&d->count, n, memory_order_relaxed) + n;

	if (tls_in_pass) {	/* from a reclaim callback: never nest a pass */
		push_retired(d, first, last);
		if (tls_in_pass == d)
			tls_cb_retired += (unsigned long)n;
		return;
	}
	if (c < (long)atomic_load_explicit(&d->trigger, memory_order_relaxed) && !force) {
		push_retired(d, first, last);
		return;
	}
	pthread_mutex_lock(&d->lock);
	push_retired(d, first, last);
	tls_in_pass = d;
	if (force || atomic_load_explicit(&d->count, memory_order_relaxed) >=
	    (long)atomic_load_explicit(&d->trigger, memory_order_relaxed))
		scan_pass(d, tls_find(d), true);
	tls_in_pass = NULL;
	pthread_mutex_unlock(&d->lock);
}

/*
 * The record a retiring thread keeps its retired objects on: its own,
 * registered here on the thread's first retire into d if it never
 * protected in d (the one allocation retire makes, once per thread and
 * domain; without it the objects go to the shared list).
 */
static struct hazptr_rec_priv *retire_rec(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r = tls_find(d);
	struct hazptr_rec *h;

	if (r)
		return r;
	h = rec_get_slow(d);
	return h ? rec_priv(h) : NULL;
}

/*
 * The time-based trigger (hazptr_domain_set_delay()): every
 * HAZPTR_DELAY_CHECK retires, read the clock; due once the delay has passed
 * since this thread's last local pass (local mode) or the domain's last
 * pass (shared mode).  r->since_check == HAZPTR_DELAY_CHECK tells the
 * caller the shared-mode pass is forced.
 */
static bool delay_due(struct hazptr_domain *d, struct hazptr_rec_priv *r, bool local)
{
	uint64_t delay, last;

	if (++r->since_check < HAZPTR_DELAY_CHECK)
		return false;
	delay = atomic_load_explicit(&d->delay_ns, memory_order_relaxed);
	last = local ? r->last_scan_ns
		     : atomic_load_explicit(&d->last_pass_ns, memory_order_relaxed);
	if (delay && hazptr_now_ns_() - last >= delay)
		return true;		/* since_check stays at the mark */
	r->since_check = 0;
	return false;
}

int hazptr_domain_set_delay(struct hazptr_domain *d, uint64_t ns)
{
	d = resolve(d);
	atomic_store_explicit(&d->last_pass_ns, hazptr_now_ns_(), memory_order_relaxed);
	atomic_store_explicit(&d->delay_ns, ns, memory_order_relaxed);
	return 0;
}

/*
 * Local mode: scan this thread's own list (first..., n objects) now.
 * Objects are then reclaimed by the thread that retired them, with no
 * shared write and no lock (see reclaim.c for why that matters).  The
 * survivors go back on the record; a snapshot too large for the stack
 * buffer sends the whole chain to the shared list instead.
 */
static void retire_local(struct hazptr_domain *d, struct hazptr_rec_priv *r,
			 struct hazptr_obj *first, long n)
{
	struct hazptr_obj *keep, *keep_last;
	long nkeep;

	tls_in_pass = d;	/* callbacks' retires: shared list, no pass */
	nkeep = local_pass(d, first, &keep, &keep_last);
	if (atomic_load_explicit(&d->delay_ns, memory_order_relaxed))
		r->last_scan_ns = hazptr_now_ns_();
	r->since_check = 0;
	tls_in_pass = NULL;
	if (nkeep < 0) {	/* snapshot overflow */
		struct hazptr_obj *last = first;

		while (last->hp_next)
			last = last->hp_next;
		publish(d, first, last, n, false);
		return;
	}
	if (!keep)
		return;
	if (cache_enter(r)) {
		keep_last->hp_next = atomic_load_explicit(&r->rt_head, memory_order_relaxed);
		atomic_store_explicit(&r->rt_head, keep, memory_order_relaxed);
		atomic_store_explicit(&r->rt_n, atomic_load_explicit(&r->rt_n,
				      memory_order_relaxed) + (unsigned int)nkeep,
				      memory_order_relaxed);
		cache_exit(r);
	} else {		/* a cleanup is taking the caches */
		publish(d, keep, keep_last, nkeep, false);
	}
}

void hazptr_retire(struct hazptr_domain *d, struct hazptr_obj *obj,
		   const void *addr, hazptr_reclaim_fn *reclaim)
{
	struct hazptr_rec_priv *r;

	if (!obj || !addr || !reclaim)
		hazptr_die("hazptr_retire: NULL %s", !obj ? "object header" :
			   !addr ? "address" : "reclaim callback");
	d = resolve(d);
	obj->hp_addr = addr;
	obj->hp_reclaim = reclaim;
	obj->hp_owner = NULL;
	if (HAZPTR_RETIRE_BATCH > 1 && !tls_in_pass && (r = retire_rec(d)) &&
	    cache_enter(r)) {
		unsigned int n = atomic_load_explicit(&r->rt_n, memory_order_relaxed) + 1;
		unsigned int local = atomic_load_explicit(&d->local_limit, memory_order_relaxed);
		struct hazptr_obj *first, *last;
		long taken;

		obj->hp_owner = r;
		obj->hp_next = atomic_load_explicit(&r->rt_head, memory_order_relaxed);
		atomic_store_explicit(&r->rt_head, obj, memory_order_relaxed);
		if (n < (local ? local : HAZPTR_RETIRE_BATCH) && !delay_due(d, r, local)) {
			atomic_store_explicit(&r->rt_n, n, memory_order_relaxed);
			cache_exit(r);
			return;
		}
		if (local) {
			/* All of the cache, without walking it. */
			atomic_store_explicit(&r->rt_head, NULL, memory_order_relaxed);
			atomic_store_explicit(&r->rt_n, 0, memory_order_relaxed);
			cache_exit(r);
			retire_local(d, r, obj, n);
			return;
		}
		taken = cache_take(r, &first, &last);
		cache_exit(r);
		if (r->since_check == HAZPTR_DELAY_CHECK) {	/* delay_due() */
			r->since_check = 0;
			publish(d, first, last, taken, true);
		} else {
			publish(d, first, last, taken, false);
		}
		/* Once per batch: reclaim what passes found free among the
		 * objects this thread retired (reclaim.c, hand-back). */
		handback_drain(d, r);
		return;
	}
	publish(d, obj, obj, 1, false);
}

/* Reclaim every record's hand-back chain.  Caller holds d->lock. */
static void drain_all(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r;

	for_each_rec(d, r)
		handback_drain(d, r);
}

int hazptr_cleanup(struct hazptr_domain *d)
{
	unsigned long before;

	d = resolve(d);
	if (tls_in_pass)
		return -EDEADLK;
	pthread_mutex_lock(&d->lock);
	tls_in_pass = d;
	drain_all(d);
	steal_caches(d);
	do {
		before = tls_cb_retired;
		/* Repeat only for objects our own callbacks retired. */
	} while (scan_pass(d, NULL, false) > 0 && tls_cb_retired != before);
	tls_in_pass = NULL;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Synchronous calls                                                   */
/* ------------------------------------------------------------------ */

static bool own_record_holds(struct hazptr_domain *d, const void *addr)
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
	return matches;
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
	if (atomic_load_explicit(&d->nexplicit, memory_order_relaxed) || any_slot_busy(d)) {
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
