/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hazptr-internal.h - private to lib/hazptr/.
 */
#ifndef HAZPTR_INTERNAL_H
#define HAZPTR_INTERNAL_H

#include "hazptr.h"

#include <pthread.h>
#include <stdio.h>

#define HAZPTR_CACHELINE 64

/*
 * Retire cache: a thread with a record keeps up to HAZPTR_RETIRE_BATCH - 1
 * retired objects on its record and hands them to the domain's shared list
 * HAZPTR_RETIRE_BATCH at a time, so that the shared list and counter are
 * touched once per batch.  Must not exceed HAZPTR_SCAN_MULT *
 * HAZPTR_NR_SLOTS (see the memory bound in retire.c).
 */
#ifndef HAZPTR_RETIRE_BATCH
#define HAZPTR_RETIRE_BATCH_MAX_ (HAZPTR_SCAN_MULT * HAZPTR_NR_SLOTS)
#define HAZPTR_RETIRE_BATCH \
	(HAZPTR_RETIRE_BATCH_MAX_ > 16 ? 16 : HAZPTR_RETIRE_BATCH_MAX_ < 1 ? 1 : \
	 HAZPTR_RETIRE_BATCH_MAX_)
#endif

/*
 * Local mode: while L = min(T, 2T / R) (T the threshold, R the records) is
 * at least this, each record scans its own retired list at L objects
 * (retire_local() in retire.c); below it, records hand batches of
 * HAZPTR_RETIRE_BATCH to the domain's shared list.  The local snapshot buffer holds
 * HAZPTR_LOCAL_SNAP non-NULL slots (on the stack); more, and the batch
 * goes to the shared list.
 */
#ifndef HAZPTR_LOCAL_MIN
#define HAZPTR_LOCAL_MIN 256
#endif
#ifndef HAZPTR_LOCAL_SNAP
#define HAZPTR_LOCAL_SNAP 64
#endif

/* Snapshots of at most this many slots are insertion-sorted, larger ones
 * qsort()ed (tests set 1 to run the qsort path). */
#ifndef HAZPTR_SORT_SMALL
#define HAZPTR_SORT_SMALL 16
#endif

/* Static TLS: the library is linked at start-up, never dlopen()ed late.
 * The objects of libhazptr.a (position-dependent or PIE: executables
 * only) use the local-exec model: a TLS variable defined in another of the
 * library's files is then one %fs-relative access, not a GOT load first. */
#if defined(__PIC__) && !defined(__PIE__)
#define HAZPTR_TLS _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define HAZPTR_TLS _Thread_local __attribute__((tls_model("local-exec")))
#endif

#define HAZPTR_ALIGNED __attribute__((aligned(HAZPTR_CACHELINE)))

/* Library-internal functions shared between its files: not exported from
 * libhazptr.so (its version script exports hazptr_*, these included). */
#define HAZPTR_HIDDEN __attribute__((visibility("hidden")))

/* Internal failure or misuse: print "hazptr: <msg> (file:function@line)"
 * on stderr and abort.  Messages start with the public call's name. */
__attribute__((noreturn, cold, format(printf, 4, 5))) HAZPTR_HIDDEN
void hazptr_die_(const char *file, const char *func, int line, const char *fmt, ...);
#define hazptr_die(...) hazptr_die_(__FILE__, __func__, __LINE__, __VA_ARGS__)

/*
 * A full fence for the library's own use (scanner side).  Under
 * ThreadSanitizer (HAZPTR_TSAN_) it is a seq_cst RMW on a thread-private
 * word: a locked instruction on
 * x86, hence a full barrier, that ThreadSanitizer accepts (GCC 12 rejects
 * atomic_thread_fence with -fsanitize=thread) and that creates no
 * happens-before edge between threads, so it cannot hide a race.
 */
static inline void hazptr_full_fence_(void)
{
#if HAZPTR_TSAN_
	static _Thread_local _Atomic unsigned long fence_word;

	(void)atomic_fetch_add_explicit(&fence_word, 1, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* worker.c */
struct hazptr_worker;
HAZPTR_HIDDEN void hazptr_worker_atfork_prepare_(void);
HAZPTR_HIDDEN void hazptr_worker_atfork_parent_(void);
HAZPTR_HIDDEN void hazptr_worker_forget_(struct hazptr_domain *d);
HAZPTR_HIDDEN void hazptr_worker_atfork_child_(void);

/* fence.c */
HAZPTR_HIDDEN uint64_t hazptr_now_ns_(void);
/* CLOCK_MONOTONIC_COARSE (the last tick; a few ns to read where the precise
 * clock costs tens in a VM), or the precise clock where the kernel has no
 * coarse one.  The time trigger uses it for delays of at least
 * HAZPTR_COARSE_MIN_NS, far above any tick (1-10 ms). */
HAZPTR_HIDDEN uint64_t hazptr_coarse_ns_(void);
#define HAZPTR_COARSE_MIN_NS 100000000ull
HAZPTR_HIDDEN void hazptr_heavy_fence_(enum hazptr_fence mode);
HAZPTR_HIDDEN void hazptr_fence_atfork_child_(void);

/* Record states (struct hazptr_rec_priv.state). */
enum {
	HP_REC_FREE,		/* on the domain list, slots NULL, claimable */
	HP_REC_THREAD,		/* a thread's implicit record (hazptr_rec_get) */
	HP_REC_EXPLICIT,	/* hazptr_rec_alloc() record */
	HP_REC_DEAD,		/* domain destroyed while a thread cached it:
				 * owned (and freed) by that thread now */
	HP_REC_EXITING,		/* its thread is flushing it at exit; destroy
				 * waits for HP_REC_FREE */
};

struct hazptr_rec_priv {
	struct hazptr_rec pub;			/* first: readers' lines */
	/* Cold fields, on their own line: written at claim/release only. */
	struct hazptr_domain *domain HAZPTR_ALIGNED;
	bool light;				/* membarrier mode: no reader fence */
	bool cache_light;			/* retire cache: no owner fence */
	struct hazptr_rec_priv *_Atomic next;	/* domain list, prepend-only */
	_Atomic int state;
	struct hazptr_rec_priv *tls_next;	/* owning thread's list */
	/* Retire cache, owned by the record's thread.  A stealer (cleanup,
	 * destroy: under the domain lock) takes it with the rt_busy/rt_steal
	 * handshake described at cache_enter() in retire.c. */
	struct hazptr_obj *_Atomic rt_head HAZPTR_ALIGNED;
	_Atomic unsigned int rt_n;		/* length of the rt_head list */
	_Atomic int rt_busy;			/* owner is changing the cache */
	_Atomic int rt_steal;			/* a stealer wants the cache */
	uint64_t last_scan_ns;			/* owner: its last local pass */
	unsigned int since_check;		/* owner: retires since a clock read */
	/* Hand-back (reclaim.c): objects a pass found free, for this
	 * record's thread to reclaim.  hb_head: pass -> owner; the rest
	 * is the pass's scratch, under the domain lock. */
	struct hazptr_obj *_Atomic hb_head HAZPTR_ALIGNED;
	struct hazptr_obj *hb_first, *hb_last;
	long hb_n;
	struct hazptr_rec_priv *hb_touched;
};

/* Acquire: pairs with the release that inserts a record in rec_new().
 * [pair:hp-rec-insert] */
#define for_each_rec(d, r)						\
	for ((r) = atomic_load_explicit(&(d)->records, memory_order_acquire); \
	     (r); (r) = atomic_load_explicit(&(r)->next, memory_order_acquire))


/* Handle (include/hazptr.h: the address, bit 0 set in seq_cst mode) to
 * record, and back. */
static inline struct hazptr_rec_priv *rec_priv(const struct hazptr_rec *h)
{
	return (struct hazptr_rec_priv *)hazptr_rec_(h);	/* pub is first */
}

static inline struct hazptr_rec *rec_handle(struct hazptr_rec_priv *r)
{
	return (struct hazptr_rec *)((uintptr_t)&r->pub |
				     (r->light ? 0 : HAZPTR_REC_FENCED_));
}

static inline void rec_clear_slots(struct hazptr_rec_priv *r)
{
	hazptr_clear_all(&r->pub);
}

/* domain.c */
HAZPTR_HIDDEN extern pthread_key_t g_exit_key;
HAZPTR_HIDDEN unsigned int threshold_for(unsigned int slots);
HAZPTR_HIDDEN unsigned int trigger_for(unsigned int records, unsigned int *defer_max,
				       unsigned int *local_limit);
HAZPTR_HIDDEN extern struct hazptr_domain g_default;

/* NULL means the default domain. */
static inline struct hazptr_domain *resolve(struct hazptr_domain *d)
{
	return d ? d : hazptr_default_domain();
}

/* record.c: this thread's implicit records (all domains) and the last one
 * used; the domain whose pass this thread is running (its lock is held),
 * and how many objects its reclaim callbacks retired into it. */
HAZPTR_HIDDEN extern HAZPTR_TLS struct hazptr_rec_priv *tls_recs;
HAZPTR_HIDDEN extern HAZPTR_TLS struct hazptr_rec_priv *tls_last;
HAZPTR_HIDDEN extern HAZPTR_TLS struct hazptr_domain *tls_in_pass;
HAZPTR_HIDDEN extern HAZPTR_TLS unsigned long tls_cb_retired;
HAZPTR_HIDDEN struct hazptr_rec *rec_get_slow(struct hazptr_domain *d);
HAZPTR_HIDDEN void thread_exit(void *unused);
HAZPTR_HIDDEN struct hazptr_rec_priv *tls_find(struct hazptr_domain *d);
HAZPTR_HIDDEN bool own_record_holds(struct hazptr_domain *d, const void *addr);

/* retire.c */
HAZPTR_HIDDEN long cache_take(struct hazptr_rec_priv *r, struct hazptr_obj **first,
			      struct hazptr_obj **last);
HAZPTR_HIDDEN void steal_caches(struct hazptr_domain *d);
HAZPTR_HIDDEN void drain_all(struct hazptr_domain *d);

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
 * Pairs with: the heavy fence in steal_caches() (retire.c), issued in
 *   d->cache_fence: membarrier wherever the process has it, also in a
 *   HAZPTR_DOMAIN_FENCE domain.  The reader fence is a per-domain choice
 *   (what readers pay); this one is between a retirer and cleanup, which
 *   is rare, so it is asymmetric whenever it can be.
 * Without it (store buffering):
 *   owner: hazptr_retire()             stealer: hazptr_cleanup()
 *     rt_busy = 1  (buffered)            rt_steal = 1  (buffered)
 *     load rt_steal -> 0                 load rt_busy -> 0
 *     head = obj (obj->next = old head)  take head, head = NULL
 *   => the `old head` chain is on both sides: reclaimed twice.
 * x86 cost: membarrier available (either domain kind): nothing (compiler
 *   barrier); without membarrier (or HAZPTR_FORCE_FENCE): one `lock or`
 *   (like the CAS it replaces).  Under ThreadSanitizer
 *   (HAZPTR_TSAN_): a locked RMW on a thread-private word (see
 *   hazptr_full_fence_()).
 * The releases (rt_busy = 0, rt_steal = 0) and acquires (loads of them)
 * order the list itself: whichever side goes second sees the other's writes.
 */
static inline bool cache_enter(struct hazptr_rec_priv *r)
{
	atomic_store_explicit(&r->rt_busy, 1, memory_order_relaxed);
#if HAZPTR_TSAN_
	hazptr_full_fence_();
#else
	if (r->cache_light)
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

static inline void cache_exit(struct hazptr_rec_priv *r)
{
	atomic_store_explicit(&r->rt_busy, 0, memory_order_release);
}

/* Each per-CPU hold slot of d (cpuslot.c) as `void *_Atomic *s`; none
 * before the first hold.  Acquire: pairs with the release that publishes
 * the array in cpu_slots().  [pair:hp-cpu-slots] */
typedef void *_Atomic hazptr_slot_t;
#define for_each_cpu_slot(d, s, arr_)					\
	for (hazptr_slot_t *arr_ = atomic_load_explicit(&(d)->cpu_slots,	\
							memory_order_acquire), \
	     *s = arr_; arr_ && s < arr_ + (d)->ncpu_slots; s++)

/* reclaim.c */
HAZPTR_HIDDEN void push_retired(struct hazptr_domain *d, struct hazptr_obj *first,
				struct hazptr_obj *last);
HAZPTR_HIDDEN unsigned long scan_pass(struct hazptr_domain *d, struct hazptr_rec_priv *self,
				      bool hand_back);
HAZPTR_HIDDEN bool hb_collect(struct hazptr_domain *d, struct hazptr_rec_priv *self,
			      struct hazptr_obj *obj, struct hazptr_rec_priv **touched);
HAZPTR_HIDDEN void hb_publish(struct hazptr_domain *d, struct hazptr_rec_priv *touched);
HAZPTR_HIDDEN long local_pass(struct hazptr_domain *d, struct hazptr_obj *chain,
			      struct hazptr_obj **keep, struct hazptr_obj **keep_last);
HAZPTR_HIDDEN unsigned long handback_drain(struct hazptr_domain *d, struct hazptr_rec_priv *r);
HAZPTR_HIDDEN size_t snapshot_slots(struct hazptr_domain *d);
HAZPTR_HIDDEN void push_chain(struct hazptr_obj *_Atomic *list, struct hazptr_obj *first,
			      struct hazptr_obj *last);
HAZPTR_HIDDEN struct hazptr_obj *pass_take(struct hazptr_domain *d, _Atomic long *count,
					   struct hazptr_obj *_Atomic *head, long *taken,
					   size_t *nsnap);
HAZPTR_HIDDEN bool in_snapshot(const void *const *buf, size_t n, const void *addr);

struct hazptr_domain {
	/* Retire's line: every hazptr_retire() touches it. */
	struct hazptr_obj *_Atomic retired HAZPTR_ALIGNED;
	_Atomic long count;		/* objects on `retired` + reservations */
	_Atomic unsigned int trigger;	/* count that starts a pass */
	_Atomic unsigned int threshold;	/* T, as documented and reported */
	_Atomic unsigned int local_limit; /* L = min(T, 2T/R) in local mode, else 0 */
	_Atomic uint64_t delay_ns;	/* time-based trigger; 0: off */
	_Atomic uint64_t last_pass_ns;	/* shared mode: last pass (monotonic) */
	_Atomic long deferred;		/* on hand-back chains (reclaim.c) */
	unsigned int defer_max;		/* D: their bound; under lock */

	/* Scanner's line. */
	struct hazptr_rec_priv *_Atomic records HAZPTR_ALIGNED;
	_Atomic unsigned int nrecords;
	_Atomic unsigned int nexplicit;
	_Atomic unsigned int ncohorts;	/* live cohorts (cohort.c) */
	enum hazptr_fence fence;
	/* The retire-cache handshake's stealer fence: the process's mode
	 * (membarrier wherever it works), even in a HAZPTR_DOMAIN_FENCE
	 * domain, whose readers fence for themselves: see cache_enter(). */
	enum hazptr_fence cache_fence;
	bool is_default;
	pthread_mutex_t lock;		/* one pass at a time; record insertion */
	const void **scan_buf;		/* under lock: room for every slot */
	size_t scan_cap;
	_Atomic uint64_t reclaimed;
	_Atomic uint64_t scans;
	_Atomic uint64_t handed_back;
	struct hazptr_worker *worker;	/* worker.c; under its w_lock */
	_Atomic uint64_t worker_runs;	/* cleanups the worker ran */
	struct hazptr_domain *g_next;	/* all domains, under g_lock */
	/* Per-CPU hold slots (cpuslot.c): NULL until the first hold;
	 * ncpu_slots is set before the array is published. */
	void *_Atomic *_Atomic cpu_slots;
	unsigned int ncpu_slots;
};

#endif /* HAZPTR_INTERNAL_H */
