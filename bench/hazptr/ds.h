/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds.h - the data-structure workloads: a Michael lock-free hash map and a
 * Harris-Michael lock-free list (M. M. Michael, "High performance dynamic
 * lock-free hash tables and list-based sets", SPAA 2002), each reclaimer
 * behind one small table (struct ds_smr).
 *
 * The set is an array of buckets, each a sorted Harris-Michael list; the
 * list workloads use one bucket.  A node is logically deleted by setting
 * bit 0 of its next pointer (the mark), then unlinked by a CAS on its
 * predecessor; whoever unlinks it retires it.  Keys never change.
 */
#ifndef HZBENCH_DS_H
#define HZBENCH_DS_H

#include <stddef.h>
#include <stdint.h>

#include "hzbench.h"

struct ds_node {
	long key;
	void *_Atomic next;		/* struct ds_node *; bit 0: marked */
	union {				/* each reclaimer's header */
		struct hazptr_obj hp;
		ck_hp_hazard_t ckh;
		ck_epoch_entry_t ep;
		void *raw[4];		/* urcu's struct rcu_head; bare's leak list */
		struct {		/* refcount (ds-refcount.c) */
			_Atomic long cnt;	/* (refs - 1) * 2, bit 0: free */
			struct ds_node *free_next;
		} rc;
	} u;
};

#define DS_MARK(p)	((void *)((uintptr_t)(p) | 1u))
#define DS_UNMARK(p)	((struct ds_node *)((uintptr_t)(p) & ~(uintptr_t)1))
#define DS_MARKED(p)	(((uintptr_t)(p) & 1u) != 0)

struct ds_set {
	void *_Atomic *heads;		/* nbuckets list heads */
	uint64_t mask;			/* nbuckets - 1 (a power of two) */
	long range;			/* keys are 0 .. range-1 */
};

static inline void *_Atomic *ds_bucket(const struct ds_set *s, long key)
{
	return &s->heads[((uint64_t)key * 0x9E3779B97F4A7C15ull >> 32) & s->mask];
}

/* One reclaimer's data-structure code, instantiated from ds-algo.h. */
struct ds_smr {
	/* Operations on s until g_stop (nops == 0) or nops of them; at
	 * lookup_pct % lookups, the rest inserts and removes half and half. */
	uint64_t (*run)(struct worker *w, struct ds_set *s, unsigned int lookup_pct,
			uint64_t nops);
	/* The stalled reader: protect the first node of bucket 0 (hazard
	 * pointers) or enter a read section (epochs, RCU), set *ready to 1,
	 * and hold it until the main thread sets it to 2. */
	void (*stall)(struct worker *w, struct ds_set *s, _Atomic int *ready);
	/* Main thread, every worker idle: reclaim everything still retired. */
	void (*drain)(struct worker *ws, unsigned int n);
	/* Worker thread: choose what the job uses (hazptr: the domain). */
	void (*prepare)(struct worker *w, enum impl im);
};

extern const struct ds_smr ds_none, ds_hazptr, ds_ckhp, ds_ckepoch, ds_memb, ds_qsbr,
	ds_refcount;

/* Counting.  A retire counts on the retiring worker, a free on the
 * counter of the thread that runs the reclaim callback (ds_tl_count; a
 * library's own thread, which has none, counts on a shared atomic). */
extern _Thread_local struct hzb_count *ds_tl_count;

static inline void ds_count_retired(struct worker *w)
{
	uint64_t r = atomic_load_explicit(&w->cnt.retired, memory_order_relaxed);

	/*
	 * Single writer, so a load and a store.  [pair:hzb-count]
	 * Orders: this count  before  the retire (and so before the free).
	 * Pairs with: the acquire loads in unreclaimed() (ds.c), which read
	 *   every freed count before any retired count.
	 * Without it: the main thread could see an object freed but not yet
	 *   retired and report one unreclaimed object too few.
	 * Who relies on it: the unreclaimed peak and end (never under the truth).
	 */
	atomic_store_explicit(&w->cnt.retired, r + 1, memory_order_release);
}

void ds_node_free(struct ds_node *n);	/* reclaim callbacks end here */
void ds_count_freed(void);		/* ... or here, if they keep the node */

/* ds.c: the engine (main thread) and the worker's side of a job. */
void hzb_ds_setup(void);
void hzb_ds_thread_init(struct worker *w);
void hzb_ds_thread_fini(struct worker *w);
void hzb_ds_work(struct worker *w, enum impl im, enum workload wl, uint64_t nops);
void hzb_ds_stall(struct worker *w, enum impl im, enum workload wl);
void hzb_ds_measure(enum impl im, enum workload wl, unsigned int threads,
		    uint64_t ns, uint64_t nops, struct hzb_sample *out);
bool hzb_ds_failed(void);
bool hzb_ds_is_stall(enum workload wl);
extern long hzb_hash_range, hzb_list_range;

#endif /* HZBENCH_DS_H */
