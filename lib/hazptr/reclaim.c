/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reclaim.c - the domain's shared retired list, reclamation passes, and the
 * hand-back of free objects to the thread that retired them.
 *
 * A pass (scan_pass) takes the whole shared list, issues the heavy fence,
 * copies every non-NULL slot into a buffer sized for all slots (allocated at
 * registration, never here), sorts it once, and then looks each taken
 * object up in it (binary search): O(batch log H + H log H) per pass of at
 * least the trigger's worth of objects.  Objects found free are reclaimed,
 * or handed back to their retiring thread (below); protected ones go back
 * on the list.
 */
#include "hazptr-internal.h"

#include <stdlib.h>

/* Push the chain first..last onto a retired list (the domain's shared
 * list, a cohort's).  [pair:hp-retire-push] */
void push_chain(struct hazptr_obj *_Atomic *list, struct hazptr_obj *first,
		struct hazptr_obj *last)
{
	struct hazptr_obj *head = atomic_load_explicit(list, memory_order_relaxed);

	/* Release: the headers (and the retirer's unlink, which precedes
	 * the retire) happen before a pass that takes the list. */
	do
		last->hp_next = head;
	while (!atomic_compare_exchange_weak_explicit(list, &head, first,
						      memory_order_release,
						      memory_order_relaxed));
}

/* Push the chain first..last onto d's shared list. */
void push_retired(struct hazptr_domain *d, struct hazptr_obj *first,
		  struct hazptr_obj *last)
{
	push_chain(&d->retired, first, last);
}


static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a;
	uintptr_t y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

/* Sort n pointers: insertion sort up to HAZPTR_SORT_SMALL, else qsort. */
static void sort_ptrs(const void **buf, size_t n)
{
	if (n <= HAZPTR_SORT_SMALL) {
		for (size_t i = 1; i < n; i++) {
			const void *v = buf[i];
			size_t j = i;

			for (; j > 0 && (uintptr_t)buf[j - 1] > (uintptr_t)v; j--)
				buf[j] = buf[j - 1];
			buf[j] = v;
		}
	} else {
		qsort(buf, n, sizeof(*buf), cmp_ptr);
	}
}

/* Copy every non-NULL slot of d into d->scan_buf, sorted.  d->lock held. */
HAZPTR_HIDDEN size_t snapshot_slots(struct hazptr_domain *d)
{
	struct hazptr_rec_priv *r;
	const void **buf = d->scan_buf;
	size_t n = 0;

	for_each_rec(d, r) {
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++) {
			/* Acquire: pairs with the release in hazptr_clear()
			 * and hazptr_publish_().  [pair:hp-release] */
			const void *v = atomic_load_explicit(&r->pub.hp_slot[i],
							     memory_order_acquire);
			if (v)
				buf[n++] = v;
		}
	}
	for_each_cpu_slot(d, s, arr) {
		const void *v = atomic_load_explicit(s, memory_order_acquire); /* [pair:hp-release] */

		if (v)
			buf[n++] = v;
	}
	sort_ptrs(buf, n);
	return n;
}

HAZPTR_HIDDEN bool in_snapshot(const void *const *buf, size_t n, const void *addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)buf[mid] < (uintptr_t)addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && buf[lo] == addr;
}

/*
 * The start of a pass over a retired list and its counter (the domain's
 * shared list, or a cohort's): take the counter first, then the list.  The
 * counter also holds reservations whose objects are not pushed yet; the
 * caller's correction (taken - walked + kept) carries them, and anything
 * pushed after the exchange, forward.  Then the heavy fence and the sorted
 * snapshot of the slots (d->lock held: d->scan_buf).  Returns the list and
 * sets *taken and *nsnap; NULL (the counter restored) if it is empty.
 */
HAZPTR_HIDDEN struct hazptr_obj *pass_take(struct hazptr_domain *d, _Atomic long *count,
					   struct hazptr_obj *_Atomic *head, long *taken,
					   size_t *nsnap)
{
	struct hazptr_obj *batch;

	*taken = atomic_exchange_explicit(count, 0, memory_order_relaxed);
	/* Acquire: the pushers' header writes, and the unlinks they did
	 * before retiring, happen before what follows.  Pairs with the
	 * release CAS in push_chain().  [pair:hp-retire-push] */
	batch = atomic_exchange_explicit(head, NULL, memory_order_acquire);
	if (!batch) {
		atomic_fetch_add_explicit(count, *taken, memory_order_relaxed);
		return NULL;
	}
	hazptr_heavy_fence_(d->fence);		/* [pair:hp-publish] */
	*nsnap = snapshot_slots(d);
	return batch;
}

/*
 * One reclamation pass.  Caller holds d->lock and has set tls_in_pass = d;
 * self is its own record in d (or NULL).  hand_back: free objects other
 * threads retired may be handed back to them (false for cleanup and
 * destroy, which reclaim everything themselves).  Returns the number of
 * objects found free: reclaimed here, or handed back.
 */
unsigned long scan_pass(struct hazptr_domain *d, struct hazptr_rec_priv *self,
			bool hand_back)
{
	struct hazptr_obj *batch, *obj, *next, *keep = NULL, *keep_last = NULL;
	struct hazptr_rec_priv *touched = NULL;
	long taken, walked = 0, kept = 0;
	unsigned long freed = 0;
	size_t n;

	batch = pass_take(d, &d->count, &d->retired, &taken, &n);
	if (!batch)
		return 0;

	for (obj = batch; obj; obj = next) {
		next = obj->hp_next;
		walked++;
		if (n && in_snapshot(d->scan_buf, n, obj->hp_addr)) {
			obj->hp_next = keep;
			keep = obj;
			if (!keep_last)
				keep_last = obj;
			kept++;
		} else if (hand_back && hb_collect(d, self, obj, &touched)) {
			freed++;	/* its retirer frees it: handback_drain() */
		} else {
			obj->hp_reclaim(obj);
			freed++;
		}
	}
	if (keep)
		push_retired(d, keep, keep_last);
	hb_publish(d, touched);
	atomic_fetch_add_explicit(&d->count, taken - walked + kept, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->reclaimed, freed, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
	if (atomic_load_explicit(&d->delay_ns, memory_order_relaxed))
		atomic_store_explicit(&d->last_pass_ns, hazptr_now_ns_(), memory_order_relaxed);
	return freed;
}

/*
 * Local mode (retire.c: retire_local()): scan one record's own chain.  The
 * same heavy fence and the same sorted snapshot as scan_pass(), but in a
 * stack buffer and without the domain lock: several threads may run local
 * passes at once, each reclaiming only what it retired.  Returns the number
 * of survivors (chain *keep..*keep_last), or -1 with the chain untouched if
 * more than HAZPTR_LOCAL_SNAP slots are in use.
 */
long local_pass(struct hazptr_domain *d, struct hazptr_obj *chain,
		struct hazptr_obj **keep, struct hazptr_obj **keep_last)
{
	const void *snap[HAZPTR_LOCAL_SNAP];
	struct hazptr_rec_priv *r;
	struct hazptr_obj *obj, *next;
	unsigned long freed = 0;
	long kept = 0;
	size_t n = 0;

	hazptr_heavy_fence_(d->fence);		/* [pair:hp-publish] */
	for_each_rec(d, r) {
		for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++) {
			/* [pair:hp-release] */
			const void *v = atomic_load_explicit(&r->pub.hp_slot[i],
							     memory_order_acquire);
			if (!v)
				continue;
			if (n == HAZPTR_LOCAL_SNAP)
				return -1;
			snap[n++] = v;
		}
	}
	for_each_cpu_slot(d, s, arr) {
		const void *v = atomic_load_explicit(s, memory_order_acquire); /* [pair:hp-release] */

		if (!v)
			continue;
		if (n == HAZPTR_LOCAL_SNAP)
			return -1;
		snap[n++] = v;
	}
	sort_ptrs(snap, n);
	*keep = *keep_last = NULL;
	for (obj = chain; obj; obj = next) {
		next = obj->hp_next;
		if (n && in_snapshot(snap, n, obj->hp_addr)) {
			obj->hp_next = *keep;
			*keep = obj;
			if (!*keep_last)
				*keep_last = obj;
			kept++;
		} else {
			obj->hp_reclaim(obj);
			freed++;
		}
	}
	atomic_fetch_add_explicit(&d->reclaimed, freed, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
	return kept;
}

/* ------------------------------------------------------------------ */
/* Hand-back: objects freed by the thread that retired them            */
/* ------------------------------------------------------------------ */

/*
 * A pass finds free objects that other threads retired.  Freeing them here
 * is what made retire + reclaim cost 3-4x more at 2 threads than at 1
 * (124-168 ns against 35-56 ns per object): glibc then returns each chunk
 * to the arena of the thread that allocated it, and the two threads fight
 * over that arena's bins and cache lines (perf: _int_malloc + _int_free
 * ~70%).  So the pass hands such objects back, one chain per record, and
 * the retiring thread runs their callbacks at its next retire batch
 * (handback_drain()).  They are no longer protected, so who frees them and
 * when changes nothing for readers.
 *
 * Memory: objects waiting on hand-back chains are counted in d->deferred,
 * which the pass keeps below d->defer_max (D); past it, and for records of
 * exited threads, for the pass's own objects and for objects retired
 * without a record, the pass reclaims directly.  The trigger is lowered by
 * D (trigger_for() in domain.c), so the documented bound 2(T + H) holds
 * with the hand-back chains counted (docs/hazptr.md).
 */

/* Collect obj on its retirer's chain if it should be handed back.
 * d->lock held: the hb_* chain fields are the pass's. */
bool hb_collect(struct hazptr_domain *d, struct hazptr_rec_priv *self,
		struct hazptr_obj *obj, struct hazptr_rec_priv **touched)
{
	struct hazptr_rec_priv *o = obj->hp_owner;

	if (!o || o == self || d->defer_max == 0 ||
	    atomic_load_explicit(&o->state, memory_order_relaxed) != HP_REC_THREAD)
		return false;
	if (!o->hb_first) {
		o->hb_last = obj;
		o->hb_touched = *touched;
		*touched = o;
	}
	obj->hp_next = o->hb_first;
	o->hb_first = obj;
	o->hb_n++;
	return true;
}

static unsigned long reclaim_chain(struct hazptr_obj *o)
{
	struct hazptr_obj *next;
	unsigned long n = 0;

	for (; o; o = next) {
		next = o->hp_next;
		o->hp_reclaim(o);
		n++;
	}
	return n;
}

/* Give each touched record its chain, or reclaim the chain here when the
 * record still holds an undrained one or D would be exceeded. */
void hb_publish(struct hazptr_domain *d, struct hazptr_rec_priv *touched)
{
	struct hazptr_rec_priv *o, *next;

	for (o = touched; o; o = next) {
		struct hazptr_obj *first = o->hb_first, *expect = NULL;
		long n = o->hb_n;

		next = o->hb_touched;
		o->hb_first = o->hb_last = NULL;
		o->hb_n = 0;
		o->hb_touched = NULL;
		if (atomic_load_explicit(&d->deferred, memory_order_relaxed) + n <=
		    (long)d->defer_max) {
			atomic_fetch_add_explicit(&d->deferred, n, memory_order_relaxed);
			/*
			 * Orders: the pass's writes of the chain (hp_next), and
			 *   its proof that no slot holds these objects, before
			 *   the owner's reclaim of them.  [pair:hp-handback]
			 * Pairs with: the acquire exchange in handback_drain().
			 * Without it: the owner could walk a chain whose links
			 *   it does not see yet.
			 * Only from NULL: an undrained chain means the owner is
			 *   not retiring; then this chain is reclaimed here.
			 */
			if (atomic_compare_exchange_strong_explicit(&o->hb_head, &expect, first,
								    memory_order_release,
								    memory_order_relaxed))
				continue;
			atomic_fetch_sub_explicit(&d->deferred, n, memory_order_relaxed);
		}
		reclaim_chain(first);
	}
}

/* Run the callbacks of what passes handed back to r.  Any thread may call
 * it for any record (the owner, at its retire batches and at exit; cleanup
 * and destroy for every record): the exchange decides who gets a chain. */
unsigned long handback_drain(struct hazptr_domain *d, struct hazptr_rec_priv *r)
{
	struct hazptr_obj *chain;
	unsigned long n;

	if (!atomic_load_explicit(&r->hb_head, memory_order_relaxed))
		return 0;
	/* Acquire: pairs with the release CAS in hb_publish().
	 * [pair:hp-handback] */
	chain = atomic_exchange_explicit(&r->hb_head, NULL, memory_order_acquire);
	n = reclaim_chain(chain);
	if (n) {
		atomic_fetch_sub_explicit(&d->deferred, (long)n, memory_order_relaxed);
		atomic_fetch_add_explicit(&d->reclaimed, n, memory_order_relaxed);
		atomic_fetch_add_explicit(&d->handed_back, n, memory_order_relaxed);
	}
	return n;
}
