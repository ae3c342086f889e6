/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cohort.c - cohorts: a group of retired objects that is reclaimed no later
 * than the destruction of the cohort's owner (the idea of folly's
 * hazptr_obj_cohort; this is our own design).
 *
 * A data structure that owns a cohort retires its nodes into it instead of
 * into the domain.  hazptr_cohort_destroy(), called from the structure's
 * destructor, returns only once every node retired into the cohort has
 * been reclaimed: waiting, as hazptr_synchronize() does, for readers that
 * still protect some.  So a reclaim callback may use what the owner frees
 * after the destroy (an allocator, a pool, the structure's own counters),
 * and no node outlives its structure on a domain list.
 *
 * Each cohort keeps its own lock-free list of retired objects and a counter.
 * The retire that brings the counter to the domain's threshold T runs a
 * pass over the cohort's list: under the domain's lock (which also guards
 * the slot snapshot buffer and keeps one pass at a time per domain), take
 * the list, heavy fence, sorted snapshot of the slots, reclaim what no slot
 * holds, push the survivors back.  As in scan_pass() (reclaim.c) the
 * survivors are counted again, so that a pass finds at least T - H new
 * objects (H live slots): amortised O(1) per retire, and the cohort holds
 * fewer than T + H + (retirers between their push and their count).
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>

struct hazptr_cohort {
	struct hazptr_domain *d;
	struct hazptr_obj *_Atomic head;	/* retired, not yet passed */
	_Atomic long count;			/* objects on head (+ in flight) */
	_Atomic uint64_t reclaimed;
};

struct hazptr_cohort *hazptr_cohort_create(struct hazptr_domain *d)
{
	struct hazptr_cohort *c;

	d = resolve(d);
	c = malloc(sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->d = d;
	atomic_init(&c->head, NULL);
	atomic_init(&c->count, 0);
	atomic_init(&c->reclaimed, 0);
	atomic_fetch_add_explicit(&d->ncohorts, 1, memory_order_relaxed);
	return c;
}

/*
 * One pass over c's list; d->lock held and tls_in_pass == d.  Returns the
 * number of survivors (protected objects, back on the list).  *own_held:
 * set if the calling thread's own record protects one of them.
 */
static long cohort_pass(struct hazptr_cohort *c, bool *own_held)
{
	struct hazptr_domain *d = c->d;
	struct hazptr_obj *batch, *obj, *next, *keep = NULL, *keep_last = NULL;
	long taken, walked = 0, kept = 0;
	uint64_t freed = 0;
	size_t n;

	batch = pass_take(d, &c->count, &c->head, &taken, &n);	/* [pair:hp-retire-push] */
	if (!batch)
		return 0;
	for (obj = batch; obj; obj = next) {
		next = obj->hp_next;
		walked++;
		if (n && in_snapshot(d->scan_buf, n, obj->hp_addr)) {
			if (own_held && own_record_holds(d, obj->hp_addr))
				*own_held = true;
			obj->hp_next = keep;
			keep = obj;
			if (!keep_last)
				keep_last = obj;
			kept++;
		} else {
			obj->hp_reclaim(obj);
			freed++;
		}
	}
	if (keep)
		push_chain(&c->head, keep, keep_last);
	atomic_fetch_add_explicit(&c->count, taken - walked + kept, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->reclaimed, freed, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->reclaimed, freed, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
	return kept;
}

static long cohort_pass_locked(struct hazptr_cohort *c, bool *own_held)
{
	long kept;

	pthread_mutex_lock(&c->d->lock);
	tls_in_pass = c->d;
	kept = cohort_pass(c, own_held);
	tls_in_pass = NULL;
	pthread_mutex_unlock(&c->d->lock);
	return kept;
}

void hazptr_cohort_retire(struct hazptr_cohort *c, struct hazptr_obj *obj,
			  const void *addr, hazptr_reclaim_fn *reclaim)
{
	long n;

	if (!c || !obj || !addr || !reclaim)
		hazptr_die("hazptr_cohort_retire: NULL %s", !c ? "cohort" :
			   !obj ? "object header" : !addr ? "address" : "reclaim callback");
	obj->hp_addr = addr;
	obj->hp_reclaim = reclaim;
	obj->hp_owner = NULL;
	push_chain(&c->head, obj, obj);		/* [pair:hp-retire-push] */
	n = atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed) + 1;
	if (tls_in_pass)	/* from a reclaim callback: never nest a pass */
		return;
	if (n >= (long)atomic_load_explicit(&c->d->threshold, memory_order_relaxed))
		cohort_pass_locked(c, NULL);
}

int hazptr_cohort_cleanup(struct hazptr_cohort *c)
{
	if (!c)
		return -EINVAL;
	if (tls_in_pass)
		return -EDEADLK;
	cohort_pass_locked(c, NULL);
	return 0;
}

uint64_t hazptr_cohort_pending(const struct hazptr_cohort *c)
{
	long n;

	if (!c)
		return 0;
	n = atomic_load_explicit(&c->count, memory_order_relaxed);
	return n > 0 ? (uint64_t)n : 0;
}

uint64_t hazptr_cohort_reclaimed(const struct hazptr_cohort *c)
{
	return c ? atomic_load_explicit(&c->reclaimed, memory_order_relaxed) : 0;
}

/*
 * Pass until the list is empty, yielding while readers still protect
 * survivors (their protections are short by contract, as for
 * hazptr_synchronize()).  The caller's own record protecting a survivor
 * would never end: -EDEADLK, with the cohort intact.
 */
int hazptr_cohort_destroy(struct hazptr_cohort *c)
{
	unsigned int spins = 0;

	if (!c)
		return -EINVAL;
	if (tls_in_pass)
		return -EDEADLK;
	for (;;) {
		bool own = false;

		if (cohort_pass_locked(c, &own) == 0 &&
		    !atomic_load_explicit(&c->head, memory_order_acquire))
			break;
		if (own)
			return -EDEADLK;
		if (++spins > 16)
			sched_yield();
	}
	atomic_fetch_sub_explicit(&c->d->ncohorts, 1, memory_order_relaxed);
	free(c);
	return 0;
}
