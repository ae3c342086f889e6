/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-refcount.c - the data-structure workloads over per-node atomic
 * reference counts: the "atomic refcount" baseline of the SMR literature.
 *
 * Every node a thread holds carries one count of its own, so a traversal
 * pays two atomic RMWs per node it passes (the increment of the next node,
 * the decrement of the one it leaves), on lines every other thread's
 * traversal writes too.  Reclamation is immediate: the last decrement of a
 * node that has been unlinked frees it.
 *
 * The method is J. D. Valois's SafeRead, "Lock-free linked lists using
 * compare-and-swap" (PODC 1995), with the correction of M. M. Michael and
 * M. L. Scott, "Correction of a memory management method for lock-free data
 * structures" (TR 599, Univ. of Rochester, 1995): a reader increments the
 * count of the node it read from a link *before* it knows the node is still
 * linked, so that increment may land on a node that was unlinked and freed
 * meanwhile.  Two things make that harmless:
 *
 *  - Type-stable nodes.  A freed node goes on the freeing thread's free list
 *    (this file, w->rc_free), never back to malloc() while the workers run;
 *    its memory stays a node, and a stray increment lands on a count.  The
 *    lists are given back to malloc() by the drain, every worker idle.
 *  - A claim bit.  u.rc.cnt holds (references - 1) * 2 with bit 0 set while
 *    the node is free: a fresh node, with only the structure's reference,
 *    reads 0.  Releases subtract 2; the one that brings the count from 0 to
 *    -2 may free the node, but only by claiming it (CAS -2 -> -1), which
 *    fails if a stray increment came first (that stray's own release then
 *    claims it).  A stray increment and its release on a free node move the
 *    count between odd values and never reach -2 + 2k, so nothing is freed
 *    twice.  Reuse adds 1 (odd -> even): strays still in flight keep their
 *    counts and release them later.
 *
 * Links carry no counts: a node's structure reference ("alive") is dropped
 * by SMR_RETIRE once whoever unlinked it retires it.  A reader that took a
 * stale successor from a dead node holds a count on it but never uses it:
 * find()'s check that prev still holds cur fails first (cur is dead, and
 * cannot be reused while the reader counts it), as in the hazard-pointer
 * version.  So the stalled reader pins one node: memory stays bounded.
 */
#include <stdlib.h>

#include "ds.h"

/* Give up one count on n; free it (onto w's list) if it was the last. */
static void rc_put(struct worker *w, struct ds_node *n)
{
	long zero_free = -2;

	/*
	 * Release half: this thread's reads of n (its key, its next) happen
	 * before whoever frees n and reuses it.  Acquire half: the other
	 * holders' reads, released by their own puts, happen before our free.
	 * [pair:ds-rc-put]
	 */
	if (atomic_fetch_sub_explicit(&n->u.rc.cnt, 2, memory_order_acq_rel) != 0)
		return;
	/* The last count.  Claim it unless a stray increment came between. */
	if (!atomic_compare_exchange_strong_explicit(&n->u.rc.cnt, &zero_free, -1,
						     memory_order_acq_rel,
						     memory_order_relaxed))
		return;
	n->key = -1;			/* a reader that still uses it is wrong */
	n->u.rc.free_next = w->rc_free;
	w->rc_free = n;
	ds_count_freed();
}

/*
 * SafeRead into slot i: count the node *src names (unmarked), and keep it
 * only if *src still holds the same value; then give up what slot i held.
 * Returns the exact value read (mark included), like the other
 * reclaimers' SMR_PROTECT.
 */
static void *rc_protect(struct worker *w, unsigned int i, void *_Atomic *src)
{
	struct ds_node *old = w->rc_held[i], *n;
	void *v;

	for (;;) {
		/* Acquire: [pair:ds-publish] (ds-algo.h insert). */
		v = atomic_load_explicit(src, memory_order_acquire);
		n = DS_UNMARK(v);
		if (!n)
			break;
		/*
		 * Orders: whatever freed n (the claim in rc_put(), and so the
		 *   unlink and the retire before it)  before  the re-load of
		 *   *src below.  [pair:ds-rc-put]
		 * Pairs with: the acq_rel put and claim in rc_put(); this RMW
		 *   reads the claim's value or a later one in its release
		 *   sequence, so it synchronizes with the claim.
		 * Without it: the re-load could still see n in *src after n was
		 *   unlinked, freed and reused, and the traversal keep it.
		 * Who relies on it: every traversal step (x86: the lock xadd is
		 *   a full barrier anyway; no extra fence is emitted).
		 */
		atomic_fetch_add_explicit(&n->u.rc.cnt, 2, memory_order_acquire);
		if (atomic_load_explicit(src, memory_order_acquire) == v)
			break;
		rc_put(w, n);
	}
	w->rc_held[i] = n;
	if (old)
		rc_put(w, old);
	return v;
}

static void rc_clear(struct worker *w)
{
	for (unsigned int i = 0; i < DS_SLOTS; i++) {
		struct ds_node *n = w->rc_held[i];

		w->rc_held[i] = NULL;
		if (n)
			rc_put(w, n);
	}
}

/* A node for insert(): from this thread's free list, else malloc(). */
static struct ds_node *rc_alloc(struct worker *w)
{
	struct ds_node *n = w->rc_free;

	if (n) {
		w->rc_free = n->u.rc.free_next;
		/* Odd (free, strays in flight) to even: the structure's
		 * reference.  Relaxed: the publishing CAS releases it. */
		atomic_fetch_add_explicit(&n->u.rc.cnt, 1, memory_order_relaxed);
		return n;
	}
	n = hzb_xmalloc(sizeof(*n));
	atomic_init(&n->u.rc.cnt, 0);
	return n;
}

/* insert() lost (the key was there): n was never reachable. */
static void rc_unused(struct worker *w, struct ds_node *n)
{
	/* Even to odd (free), keeping any stray's count: not a store. */
	atomic_fetch_sub_explicit(&n->u.rc.cnt, 1, memory_order_relaxed);
	n->u.rc.free_next = w->rc_free;
	w->rc_free = n;
}

#define DS_PFX(x)		rc_##x
#define SMR_BEGIN(w)		((void)0)
#define SMR_END(w)		((void)0)
#define SMR_PROTECT(w, i, src)	rc_protect((w), (i), (src))
#define SMR_CLEAR(w)		rc_clear(w)
#define SMR_RETIRE(w, n)	(ds_count_retired(w), rc_put((w), (n)))
#define SMR_QUIESCE(w)		((void)0)
#define SMR_NODE_ALLOC(w)	rc_alloc(w)
#define SMR_NODE_UNUSED(w, n)	rc_unused((w), (n))
#include "ds-algo.h"

/* Every worker idle: give the free lists back to malloc() (their nodes
 * were counted freed when they were claimed). */
static void rc_drain(struct worker *ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct ds_node *p = ws[i].rc_free, *q;

		for (; p; p = q) {
			q = p->u.rc.free_next;
			free(p);
		}
		ws[i].rc_free = NULL;
	}
}

static void rc_prepare(struct worker *w, enum impl im)
{
	(void)w, (void)im;
}

const struct ds_smr ds_refcount = {
	.run = rc_run, .stall = rc_stall, .drain = rc_drain, .prepare = rc_prepare,
};
