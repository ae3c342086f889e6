/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * retire.c - retire: the per-record retire caches, local mode, hand-over
 * of batches to the domain's shared list, the time trigger, and cleanup.
 *
 * Design (docs/hazptr.md has the long version; records are described in
 * record.c):
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

/* ------------------------------------------------------------------ */
/* Retired lists                                                       */
/* ------------------------------------------------------------------ */

/* Take r's whole cache (the owner inside cache_enter(), or a stealer that
 * saw rt_busy clear).  Returns its length; the chain is *first..*last. */
HAZPTR_HIDDEN long cache_take(struct hazptr_rec_priv *r, struct hazptr_obj **first,
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
HAZPTR_HIDDEN void steal_caches(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r;

	for_each_rec(d, r)
		atomic_store_explicit(&r->rt_steal, 1, memory_order_relaxed);
	hazptr_heavy_fence_(d->cache_fence);	/* [pair:hp-retire-cache] */
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
	uint64_t delay, last, now;

	if (++r->since_check < HAZPTR_DELAY_CHECK)
		return false;
	delay = atomic_load_explicit(&d->delay_ns, memory_order_relaxed);
	last = local ? r->last_scan_ns
		     : atomic_load_explicit(&d->last_pass_ns, memory_order_relaxed);
	/* Long delays read the coarse clock (fence.c), which may lag the
	 * precise stamp in `last` by a tick: hence now > last. */
	now = delay >= HAZPTR_COARSE_MIN_NS ? hazptr_coarse_ns_() : hazptr_now_ns_();
	if (delay && now > last && now - last >= delay)
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

/*
 * Everything hazptr_retire()'s fast path does not do: registration, a full
 * cache (a batch or a local pass), the time trigger's clock read, retires
 * from callbacks, a cache being stolen.  obj's hp_addr and hp_reclaim are
 * set.
 */
static __attribute__((noinline)) void retire_slow(struct hazptr_domain *d,
						  struct hazptr_obj *obj)
{
	struct hazptr_rec_priv *r;

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

static __attribute__((noreturn, cold)) void retire_bad(const struct hazptr_obj *obj,
						       const void *addr)
{
	hazptr_die("hazptr_retire: NULL %s", !obj ? "object header" :
		   !addr ? "address" : "reclaim callback");
}

/*
 * The fast path: the calling thread's last-used record is d's (d NULL: the
 * default domain, recognised by its address, so that a record whose domain
 * was destroyed is never followed to it), its cache has room, and the time
 * trigger's clock is not due.  Then a retire is a few plain stores on the
 * record's own line and the cache handshake's compiler barrier, in a leaf
 * function: the full path below, with its calls and spills, cost ~5 ns per
 * object more than ck_hp_free() in hazptr-bench's retire row (perf:
 * prologue/epilogue, tls_find(), resolve(), the clock).
 */
void hazptr_retire(struct hazptr_domain *d, struct hazptr_obj *obj,
		   const void *addr, hazptr_reclaim_fn *reclaim)
{
	struct hazptr_rec_priv *r = tls_last;

	if (__builtin_expect(!obj || !addr || !reclaim, 0))
		retire_bad(obj, addr);
	obj->hp_addr = addr;
	obj->hp_reclaim = reclaim;
	if (HAZPTR_RETIRE_BATCH > 1 && r && r->domain == (d ? d : &g_default) &&
	    !tls_in_pass &&
	    atomic_load_explicit(&r->state, memory_order_relaxed) == HP_REC_THREAD &&
	    r->since_check + 1 < HAZPTR_DELAY_CHECK && cache_enter(r)) {
		unsigned int n = atomic_load_explicit(&r->rt_n, memory_order_relaxed) + 1;
		unsigned int local = atomic_load_explicit(&r->domain->local_limit,
							  memory_order_relaxed);

		if (n < (local ? local : HAZPTR_RETIRE_BATCH)) {
			r->since_check++;	/* as delay_due() below the mark */
			obj->hp_owner = r;
			obj->hp_next = atomic_load_explicit(&r->rt_head, memory_order_relaxed);
			atomic_store_explicit(&r->rt_head, obj, memory_order_relaxed);
			atomic_store_explicit(&r->rt_n, n, memory_order_relaxed);
			cache_exit(r);
			return;
		}
		cache_exit(r);
	}
	retire_slow(resolve(d), obj);
}

/* Reclaim every record's hand-back chain.  Caller holds d->lock. */
HAZPTR_HIDDEN void drain_all(struct hazptr_domain *d)
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
