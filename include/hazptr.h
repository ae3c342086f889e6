/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hazptr.h - C11 hazard pointers for lazymm.
 *
 * Two kinds of domain share one library:
 *
 *  - struct hazptr_domain: classic hazard pointers.  Each thread owns one
 *    record per domain (HAZPTR_NR_SLOTS slots, registered on first use,
 *    released at thread exit).  Readers protect objects loaded from an
 *    atomic source; updaters retire unlinked objects, which the domain
 *    reclaims in batches once no slot holds them.  The reader fast path is
 *    inline: a store, a compiler barrier and a reload when the process may
 *    use membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), a store, a seq_cst
 *    fence and a reload otherwise.
 *
 *  - struct hazptr_pcpu_domain: the kernel RFC's per-CPU slots
 *    (nr_cpus x slots_per_cpu), for callers (the lazy-mm model) that own a
 *    CPU's slots exclusively and supply the publish-side fence themselves.
 *
 * Conventions: actions return 0 or -errno; create calls return NULL and set
 * errno; try-calls return bool or a pointer.  protect/clear/retire never
 * fail; protect/clear never allocate, retire only the thread's record on
 * its first retire into a domain.  Misuse (NULL retire, double clear, slot index out
 * of range) aborts with a message naming the call; range checks on the inline
 * fast path are compiled in only when HAZPTR_DEBUG is nonzero (the default
 * unless NDEBUG is defined).
 *
 * Ordering contract, in one sentence: an object that was unlinked from every
 * source before hazptr_retire() (or before hazptr_synchronize() /
 * hazptr_scan()) is reclaimed only after every hazptr_protect() of it that
 * succeeded has been cleared.  docs/hazptr.md has the argument.
 */
#ifndef HAZPTR_H
#define HAZPTR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Build-time constants.  They are part of the ABI: code that includes this
 * header must be built with the same values as the library (hazptr_rec_get()
 * checks the record size and aborts on a mismatch).  The defaults are meant
 * to stay; the test suite overrides them to reach boundary cases.
 */
#ifndef HAZPTR_NR_SLOTS
#define HAZPTR_NR_SLOTS 8	/* slots per record (per thread, per domain) */
#endif
#ifndef HAZPTR_SCAN_BASE
#define HAZPTR_SCAN_BASE 1000	/* scan threshold = BASE + MULT * live slots */
#endif
#ifndef HAZPTR_SCAN_MULT
#define HAZPTR_SCAN_MULT 2
#endif
#ifndef HAZPTR_DEBUG
#ifdef NDEBUG
#define HAZPTR_DEBUG 0
#else
#define HAZPTR_DEBUG 1
#endif
#endif

#if HAZPTR_NR_SLOTS < 1
#error "HAZPTR_NR_SLOTS must be at least 1"
#endif

/*
 * HAZPTR_TSAN_: the caller is built with ThreadSanitizer (GCC defines
 * __SANITIZE_THREAD__, clang answers __has_feature(thread_sanitizer)).  The
 * inline read side then uses orderings ThreadSanitizer models; see
 * hazptr_publish_().  Nothing to set by hand.
 */
#ifndef HAZPTR_TSAN_
#if defined(__SANITIZE_THREAD__)
#define HAZPTR_TSAN_ 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HAZPTR_TSAN_ 1
#endif
#endif
#endif
#ifndef HAZPTR_TSAN_
#define HAZPTR_TSAN_ 0
#endif

/* ------------------------------------------------------------------ */
/* Fence modes                                                         */
/* ------------------------------------------------------------------ */

enum hazptr_fence {
	/* Reader: compiler barrier only; scanner: membarrier(PRIVATE_EXPEDITED). */
	HAZPTR_FENCE_MEMBARRIER = 1,
	/* Reader and scanner: atomic_thread_fence(memory_order_seq_cst). */
	HAZPTR_FENCE_SEQ_CST = 2,
};

/*
 * The mode new domains get: HAZPTR_FENCE_MEMBARRIER when membarrier's
 * PRIVATE_EXPEDITED command is available (probed with MEMBARRIER_CMD_QUERY
 * and registered once per process), else HAZPTR_FENCE_SEQ_CST.  The
 * environment variable HAZPTR_FORCE_FENCE=1 forces HAZPTR_FENCE_SEQ_CST.
 * Decided once, on first use of the library.
 */
enum hazptr_fence hazptr_fence_mode(void);
/* "membarrier" or "seq_cst" (or "?" for a bad value). */
const char *hazptr_fence_name(enum hazptr_fence mode);

/* ------------------------------------------------------------------ */
/* Domains                                                             */
/* ------------------------------------------------------------------ */

struct hazptr_domain;	/* opaque */

/* hazptr_domain_create() flag: use HAZPTR_FENCE_SEQ_CST for this domain
 * (readers fence, passes send no IPI).  Retires still avoid locked
 * instructions where the process has membarrier: cleanup's cache steal
 * issues it (docs/hazptr.md, "Fence modes"). */
#define HAZPTR_DOMAIN_FENCE 0x1u

/* NULL + errno (EINVAL: unknown flag; ENOMEM). */
struct hazptr_domain *hazptr_domain_create(unsigned int flags);
/*
 * Reclaims every retired object and frees the domain and its records.
 * Returns 0; -EINVAL for NULL or the default domain; -EBUSY if a slot still
 * protects an object, a hazptr_rec_alloc() record is still allocated or a
 * cohort of the domain is not destroyed (the domain is left intact);
 * -EDEADLK from inside a reclaim callback.
 * Threads that still cache a record of the domain release it at exit.
 */
int hazptr_domain_destroy(struct hazptr_domain *d);
/* The process-wide domain; never destroyed.  Every call below that takes a
 * domain also accepts NULL for it. */
struct hazptr_domain *hazptr_default_domain(void);
enum hazptr_fence hazptr_domain_fence(const struct hazptr_domain *d);

struct hazptr_stats {
	uint64_t pending;	/* retired, not yet reclaimed (exact when no scan runs) */
	uint64_t reclaimed;	/* reclaim callbacks run so far */
	uint64_t scans;		/* reclamation passes so far */
	uint64_t handed_back;	/* found free by another thread's pass and
				 * reclaimed by the thread that retired them */
	unsigned int threshold;	/* current scan threshold */
	unsigned int slots;	/* live slots = records * HAZPTR_NR_SLOTS */
	unsigned int records;	/* records ever registered (they are recycled) */
};
int hazptr_domain_stats(struct hazptr_domain *d, struct hazptr_stats *st);

/*
 * Time-based trigger.  A thread that retires into d runs a reclamation pass
 * over what it (local mode) or the domain (shared mode) holds once `ns`
 * nanoseconds have passed since its last pass, even below the count limits,
 * so memory does not stay pinned while retires are slow.  Checked every
 * HAZPTR_DELAY_CHECK (32) retires of a thread; a thread that stops retiring
 * needs hazptr_cleanup() or the reclamation worker.  Default
 * HAZPTR_DELAY_DEFAULT_NS (1 s); 0 turns the trigger off.  Returns 0.
 */
/*
 * Asynchronous reclamation: a thread that runs hazptr_cleanup(d) every
 * period_ns, so memory is reclaimed even when every thread has stopped
 * retiring.  Reclaim callbacks then also run on that thread.  One per
 * domain.  start: 0, -EINVAL (period 0), -EBUSY (already running),
 * -ENOMEM/-EAGAIN.  stop: 0, -ESRCH (none running), -EDEADLK (from the
 * worker's own callback).  After fork() the child has no worker (start it
 * again there).  hazptr_domain_destroy() stops it.
 */
int hazptr_worker_start(struct hazptr_domain *d, uint64_t period_ns);
int hazptr_worker_stop(struct hazptr_domain *d);

#define HAZPTR_DELAY_DEFAULT_NS 1000000000ull
#define HAZPTR_DELAY_CHECK 32
int hazptr_domain_set_delay(struct hazptr_domain *d, uint64_t ns);

/* ------------------------------------------------------------------ */
/* Records and the read side                                           */
/* ------------------------------------------------------------------ */

/*
 * A record is an array of HAZPTR_NR_SLOTS slots owned by one thread (or, for
 * hazptr_rec_alloc(), by whoever holds it).  Only the owner writes the slots;
 * scanners read them.  The fields are public only so that the fast path can
 * be inline; do not touch them (hazptr_slot_load() reads a slot).
 *
 * The `struct hazptr_rec *` the library hands out is a handle: the record's
 * address with bit 0 set when its domain uses the seq_cst-fence mode
 * (records are cache-line aligned, so the bit is free).  The reader's
 * choice of fence is then a test of a register: an earlier version read the
 * mode from a field of the record, and that load, repeated after every
 * compiler barrier, cost 1.2-1.7x the bare slot in hazptr-bench.  Never
 * dereference a handle; the inline calls below strip the bit.
 */
struct hazptr_rec {
	void *_Atomic hp_slot[HAZPTR_NR_SLOTS];
};

#define HAZPTR_REC_FENCED_ ((uintptr_t)1)

/* The record behind a handle. */
static inline struct hazptr_rec *hazptr_rec_(const struct hazptr_rec *h)
{
	return (struct hazptr_rec *)((uintptr_t)h & ~HAZPTR_REC_FENCED_);
}

struct hazptr_rec *hazptr_rec_get_(struct hazptr_domain *d, size_t abi);
struct hazptr_rec *hazptr_rec_alloc_(struct hazptr_domain *d, size_t abi);

/*
 * The calling thread's record in d, registered on first use (NULL + errno
 * ENOMEM only then) and released at thread exit (slots cleared, record
 * recycled).  Cheap after the first call, but not async-signal-safe: a signal
 * handler must use a record obtained beforehand.
 */
static inline struct hazptr_rec *hazptr_rec_get(struct hazptr_domain *d)
{
	return hazptr_rec_get_(d, sizeof(struct hazptr_rec));
}

/* An extra record owned by the caller until hazptr_rec_free(): for signal
 * handlers, or protection handed between threads.  NULL + errno. */
static inline struct hazptr_rec *hazptr_rec_alloc(struct hazptr_domain *d)
{
	return hazptr_rec_alloc_(d, sizeof(struct hazptr_rec));
}
/* Clears the slots and recycles a hazptr_rec_alloc() record. */
void hazptr_rec_free(struct hazptr_rec *r);

#if defined(__GNUC__) || defined(__clang__)
#define HAZPTR_NORETURN_ __attribute__((noreturn, cold))
#else
#define HAZPTR_NORETURN_ _Noreturn
#endif
HAZPTR_NORETURN_ void hazptr_die_slot_(const char *call, unsigned int i);

#if HAZPTR_DEBUG
#define HAZPTR_CHECK_SLOT_(call, i) \
	do { if ((i) >= HAZPTR_NR_SLOTS) hazptr_die_slot_(call, (i)); } while (0)
#else
#define HAZPTR_CHECK_SLOT_(call, i) do { (void)(i); } while (0)
#endif

/*
 * Compare two pointers without letting the compiler learn that they are
 * equal: after `if (p == q)` it may otherwise use p where the code says q,
 * and so drop the dependency on the load that produced q (the kernel's
 * ptr_eq(), liburcu's cmm_ptr_eq()).
 */
static inline bool hazptr_ptr_eq(const void *a, const void *b)
{
	__asm__ ("" : "+r" (a));
	__asm__ ("" : "+r" (b));
	return a == b;
}

/*
 * The reader's half of the protect handshake: publish p in slot i.
 *
 * Orders: store to the slot  before  the re-load of *src.  [pair:hp-publish]
 * Pairs with: the heavy fence in scan_pass(), hazptr_synchronize() and
 *   hazptr_scan() (lib/hazptr/reclaim.c, record.c), issued after the object was
 *   unlinked and before the slots are read.
 * Without it (store buffering):
 *   reader: hazptr_protect()          updater: unlink + retire + scan
 *     slot = obj   (still buffered)     *src = new  (still buffered)
 *     re-load *src -> obj               heavy fence; read slot -> NULL
 *     use obj                           reclaim(obj)  => use-after-free
 * Who relies on it: every successful protect; hazptr_try_protect() too.
 * x86 cost: membarrier mode: nothing (a compiler barrier; the scanner's
 *   membarrier() makes every running thread of the process execute a full
 *   barrier, and a thread that is not running has been through a context
 *   switch, which is one).  seq_cst mode: one `lock or` / `mfence`.
 *
 * The store is a release store: a scanner that reads this value (acquire)
 * also sees everything this thread did under the slot's previous
 * protection, which a relaxed store would not give it.  [pair:hp-release]
 *
 * Under ThreadSanitizer (HAZPTR_TSAN_, set below from the compiler's own
 * -fsanitize=thread macro) the publish is an exchange with seq_cst order in
 * both modes: ThreadSanitizer models neither membarrier nor (in GCC 12)
 * atomic_thread_fence, but it does model the exchange, which on x86 is a
 * locked instruction and so a full barrier (ck_hp's set_fence).
 */
static inline void hazptr_publish_(struct hazptr_rec *h, unsigned int i, void *p)
{
	struct hazptr_rec *r = hazptr_rec_(h);

#if HAZPTR_TSAN_
	(void)atomic_exchange_explicit(&r->hp_slot[i], p, memory_order_seq_cst);
#else
	atomic_store_explicit(&r->hp_slot[i], p, memory_order_release);
	/* Expect the light mode: its path falls through, the fence is laid
	 * out of line (a taken branch per protect cost ~0.3 ns). */
	if (__builtin_expect(((uintptr_t)h & HAZPTR_REC_FENCED_) != 0, 0))
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* The re-load of the source.  Acquire: pairs with the updater's release
 * store that published the object.  [pair:hp-src-publish] */
#if HAZPTR_TSAN_
#define HAZPTR_RELOAD_ORDER_ memory_order_seq_cst
#else
#define HAZPTR_RELOAD_ORDER_ memory_order_acquire
#endif

/*
 * Protect the pointer currently in *src with slot i and return it (NULL if
 * *src is NULL).  Loops until the value published in the slot is still the
 * value in *src.  Replaces whatever slot i protected before.  The returned
 * object stays valid until slot i is cleared or reused, provided updaters
 * unlink it from *src before retiring it.
 */
static inline void *hazptr_protect(struct hazptr_rec *r, unsigned int i,
				   void *_Atomic const *src)
{
	void *p, *q;

	HAZPTR_CHECK_SLOT_("hazptr_protect", i);
	q = atomic_load_explicit(src, memory_order_relaxed);
	do {
		p = q;
		hazptr_publish_(r, i, p);	/* [pair:hp-publish] */
		q = atomic_load_explicit(src, HAZPTR_RELOAD_ORDER_);
	} while (__builtin_expect(!hazptr_ptr_eq(p, q), 0));
	return q;
}

/*
 * Batch protection: protect *srcs[k] with slot first + k for k < n, and
 * return the protected pointers in out[k].  All n slots are published
 * before one reader fence, then every source is re-loaded; only a source
 * that changed is published and checked again (the others keep their
 * protection).  In seq_cst mode that is one fence for n objects instead of
 * n (folly's hazptr_array).  first + n must not exceed HAZPTR_NR_SLOTS
 * (checked in debug builds).  Each out[k] stays valid until its slot is
 * cleared or reused.
 */
static inline void hazptr_protect_many(struct hazptr_rec *h, unsigned int first,
				       unsigned int n, void *_Atomic const *const *srcs,
				       void **out)
{
	struct hazptr_rec *r = hazptr_rec_(h);
	unsigned int k, changed;

	if (HAZPTR_DEBUG && (first >= HAZPTR_NR_SLOTS || n > HAZPTR_NR_SLOTS - first))
		hazptr_die_slot_("hazptr_protect_many", first + n - 1);
	for (k = 0; k < n; k++)
		out[k] = atomic_load_explicit(srcs[k], memory_order_relaxed);
	for (k = 0; k + 1 < n; k++)	/* the last one publishes with the fence */
		atomic_store_explicit(&r->hp_slot[first + k], out[k],
				      memory_order_release);	/* [pair:hp-release] */
	if (n == 0)
		return;
	do {
		hazptr_publish_(h, first + n - 1, out[n - 1]);	/* [pair:hp-publish] */
		changed = 0;
		for (k = 0; k < n; k++) {
			void *q = atomic_load_explicit(srcs[k], HAZPTR_RELOAD_ORDER_);

			if (!hazptr_ptr_eq(out[k], q)) {
				out[k] = q;
				if (k + 1 < n)
					atomic_store_explicit(&r->hp_slot[first + k], q,
							      memory_order_release);
				changed++;
			}
		}
	} while (changed);
}

/*
 * One attempt: protect *ptr with slot i if *src still holds it.  On success
 * returns true (and *ptr is the value re-read from *src).  On failure clears
 * the slot, stores the new value of *src into *ptr and returns false.
 */
static inline bool hazptr_try_protect(struct hazptr_rec *r, unsigned int i,
				      void **ptr, void *_Atomic const *src)
{
	void *p = *ptr, *q;

	HAZPTR_CHECK_SLOT_("hazptr_try_protect", i);
	hazptr_publish_(r, i, p);	/* [pair:hp-publish] */
	q = atomic_load_explicit(src, HAZPTR_RELOAD_ORDER_); /* [pair:hp-src-publish] */
	*ptr = q;
	if (hazptr_ptr_eq(p, q))
		return true;
	atomic_store_explicit(&hazptr_rec_(r)->hp_slot[i], NULL, memory_order_relaxed);
	return false;
}

/*
 * Publish ptr in slot i without validation.  Only for a pointer that cannot
 * be retired and scanned meanwhile: the caller's own unpublished object, or
 * one already protected by a LOWER-numbered slot of the same record (scans
 * read a record's slots in ascending order, so moving a protection upward
 * and then clearing the old slot is never missed; moving it downward can be).
 */
static inline void hazptr_reset(struct hazptr_rec *r, unsigned int i, void *ptr)
{
	HAZPTR_CHECK_SLOT_("hazptr_reset", i);
	atomic_store_explicit(&hazptr_rec_(r)->hp_slot[i], ptr,
			      memory_order_release); /* [pair:hp-release] */
}

/*
 * End the protection held by slot i.
 * Orders: every access to the protected object  before  the slot's NULL.
 * Pairs with: the acquire loads of slots in snapshot_slots() (reclaim.c);
 * a scanner that sees NULL then reclaims after this thread's last access.
 * [pair:hp-release]   x86: a plain store.
 */
static inline void hazptr_clear(struct hazptr_rec *r, unsigned int i)
{
	HAZPTR_CHECK_SLOT_("hazptr_clear", i);
	atomic_store_explicit(&hazptr_rec_(r)->hp_slot[i], NULL, memory_order_release);
}

static inline void hazptr_clear_all(struct hazptr_rec *r)
{
	for (unsigned int i = 0; i < HAZPTR_NR_SLOTS; i++)
		atomic_store_explicit(&hazptr_rec_(r)->hp_slot[i], NULL,
				      memory_order_release);
}

/* What slot i of r holds now (acquire load): for checkers and debuggers. */
static inline void *hazptr_slot_load(const struct hazptr_rec *r, unsigned int i)
{
	HAZPTR_CHECK_SLOT_("hazptr_slot_load", i);
	return atomic_load_explicit(&hazptr_rec_(r)->hp_slot[i], memory_order_acquire);
}

/*
 * Typed wrapper: `struct node *n = HAZPTR_PROTECT(rec, 0, &head);` for
 * `struct node *_Atomic head;`.  (The cast relies on all object pointers
 * sharing one representation, as every supported ABI does.)
 */
#define HAZPTR_PROTECT(r, i, srcp) \
	((__typeof__(&**(srcp)))hazptr_protect((r), (i), (void *_Atomic const *)(srcp)))

/* ------------------------------------------------------------------ */
/* Retire and reclaim                                                  */
/* ------------------------------------------------------------------ */

struct hazptr_obj;
typedef void hazptr_reclaim_fn(struct hazptr_obj *obj);

/* Intrusive retire header: embed one in every object that may be retired. */
struct hazptr_obj {
	struct hazptr_obj *hp_next;
	const void *hp_addr;		/* the address readers protect */
	hazptr_reclaim_fn *hp_reclaim;
	void *hp_owner;			/* library's: the retiring record */
};

/*
 * Hand obj to domain d.  addr is the address readers protect (usually the
 * object containing obj); reclaim(obj) runs once no slot holds addr.  The
 * caller must already have unlinked addr from every source.  Lock-free
 * below the limits.  With few threads each thread keeps what it retires and
 * scans it itself at min(T, 2T/R) objects (local mode); with many, batches
 * go to the domain's shared list and the call that crosses its trigger runs
 * a pass (waiting for one already running).  The thread's first retire
 * into d registers its record (the only allocation; on failure the object
 * goes to the shared list).  Reclaim callbacks run on the scanning thread with the
 * domain's scan lock held: they may retire (into any domain; no pass starts
 * from inside a callback) but must not call hazptr_cleanup() or destroy.
 * obj, addr or reclaim NULL: abort with a message.
 */
void hazptr_retire(struct hazptr_domain *d, struct hazptr_obj *obj,
		   const void *addr, hazptr_reclaim_fn *reclaim);

/*
 * Reclaim every object retired to d before the call that no slot protects,
 * including those retired from the callbacks it runs.  Returns 0, or
 * -EDEADLK when called from a reclaim callback.
 */
int hazptr_cleanup(struct hazptr_domain *d);

/* ------------------------------------------------------------------ */
/* Cohorts                                                             */
/* ------------------------------------------------------------------ */

/*
 * A cohort groups the objects a data structure retires so that they are
 * reclaimed no later than the structure's destruction (folly's
 * hazptr_obj_cohort): hazptr_cohort_destroy() returns only once every object
 * retired into the cohort has been reclaimed, waiting for readers that still
 * protect some.  Objects in a cohort are protected in d like any other; the
 * cohort reclaims them itself (passes at d's threshold T, under d's scan
 * lock), apart from d's lists, so hazptr_cleanup(d) and the worker do not
 * reclaim them: hazptr_cohort_cleanup(c) does.
 *
 * create: NULL + errno (ENOMEM).  retire: as hazptr_retire() (callbacks
 * run with d's scan lock held; they may retire, also into a cohort; NULL
 * arguments abort with a message).  cleanup: one pass, no wait: 0, -EINVAL
 * (NULL), -EDEADLK (from a reclaim callback).  destroy: reclaims everything
 * and frees c: 0; -EINVAL (NULL); -EDEADLK from a reclaim callback or when
 * the calling thread's own record protects one of c's objects (c is left
 * intact).  No retire into c may run concurrently with its destroy.
 * hazptr_domain_destroy(d) returns -EBUSY while d has cohorts.
 * pending: objects retired into c, not yet reclaimed (exact when no pass
 * runs); reclaimed: callbacks c's passes ran.
 */
struct hazptr_cohort;	/* opaque */

struct hazptr_cohort *hazptr_cohort_create(struct hazptr_domain *d);
void hazptr_cohort_retire(struct hazptr_cohort *c, struct hazptr_obj *obj,
			  const void *addr, hazptr_reclaim_fn *reclaim);
int hazptr_cohort_cleanup(struct hazptr_cohort *c);
int hazptr_cohort_destroy(struct hazptr_cohort *c);
uint64_t hazptr_cohort_pending(const struct hazptr_cohort *c);
uint64_t hazptr_cohort_reclaimed(const struct hazptr_cohort *c);

/* ------------------------------------------------------------------ */
/* Holds: per-CPU slots through rseq                                   */
/* ------------------------------------------------------------------ */

/*
 * A hold protects one object without naming a slot.  Where the kernel and
 * libc support rseq (x86-64), hazptr_hold_protect() claims a free slot of
 * the CPU it runs on with a restartable sequence (no locked instruction),
 * so a domain's scan reads HAZPTR_CPU_SLOTS slots per CPU for holds however
 * many threads take them.  The hold stays valid wherever the thread runs
 * next.  Fallback (no rseq, a ThreadSanitizer build,
 * HAZPTR_FORCE_NO_RSEQ=1 in the environment, or every slot of the CPU
 * held): the highest free slot of the thread's record in d, so code that
 * mixes holds and hazptr_protect() should use low slot indexes.
 *
 * protect: returns the object *src held (NULL, and nothing held, if *src
 * is NULL), valid until hazptr_hold_clear(h).  Aborts with a message if h
 * or src is NULL, or in the fallback when all the record's slots are in
 * use.  clear: idempotent.  mode: "rseq" or "thread" (decided once).
 * hazptr_scan() reports a matching hold slot with a NULL record.
 */
#define HAZPTR_CPU_SLOTS 8	/* hold slots per CPU: one cache line */

struct hazptr_hold {
	void *_Atomic *slot_;	/* the library's */
};

void *hazptr_hold_protect(struct hazptr_domain *d, struct hazptr_hold *h,
			  void *_Atomic const *src);
void hazptr_hold_clear(struct hazptr_hold *h);
const char *hazptr_hold_mode(void);

/* ------------------------------------------------------------------ */
/* Refcount promotion (hpref)                                          */
/* ------------------------------------------------------------------ */

/*
 * A hazard-pointer protection is cheap but pins a slot; a reader that must
 * block, or hand the object to another thread, turns it into a counted
 * reference first, and back afterwards (Desnoyers' hpref prototype).  The
 * object embeds a struct hazptr_ref whose count is the number of counted
 * references; whoever drops the last one retires the object (so a reader
 * still protecting it keeps it alive).  The updater that unlinks an object
 * drops the reference the source held.
 */
struct hazptr_ref {
	_Atomic long count;
};

static inline void hazptr_ref_init(struct hazptr_ref *ref, long count)
{
	atomic_init(&ref->count, count);
}

/*
 * Slot i of r protects the object that embeds ref.  Take a counted
 * reference if the object is still live (count > 0) and end the slot's
 * protection: true.  false if the count already reached 0 (the object is
 * being retired): the slot still protects it; clear it and retry from the
 * source.
 */
static inline bool hazptr_ref_promote(struct hazptr_rec *r, unsigned int i,
				      struct hazptr_ref *ref)
{
	long c = atomic_load_explicit(&ref->count, memory_order_relaxed);

	HAZPTR_CHECK_SLOT_("hazptr_ref_promote", i);
	do {
		if (c <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&ref->count, &c, c + 1,
							memory_order_relaxed,
							memory_order_relaxed));
	/* The count now keeps the object; the slot's release store orders
	 * our accesses under the protection before a scanner's acquire. */
	hazptr_clear(r, i);
	return true;
}

/*
 * Drop a counted reference.  The last one retires obj (address addr,
 * callback reclaim) into d: it is reclaimed once no slot holds addr.
 * Orders: everything this thread did with the object  before  the drop
 * (release), and the last dropper's retire after every other drop
 * (acquire).  Returns true if this call retired the object.
 */
static inline bool hazptr_ref_put(struct hazptr_domain *d, struct hazptr_ref *ref,
				  struct hazptr_obj *obj, const void *addr,
				  hazptr_reclaim_fn *reclaim)
{
	if (atomic_fetch_sub_explicit(&ref->count, 1, memory_order_acq_rel) != 1)
		return false;
	hazptr_retire(d, obj, addr, reclaim);
	return true;
}

/*
 * Back from a counted reference to a protection: publish addr in slot i,
 * then drop the reference (which may retire the object; the slot keeps it
 * until cleared).  The publish needs no validation, because the reference
 * keeps the object from being retired until the drop, and the drop's
 * release orders the slot store before whoever retires it.
 */
static inline void hazptr_ref_demote(struct hazptr_domain *d, struct hazptr_rec *r,
				     unsigned int i, struct hazptr_ref *ref,
				     struct hazptr_obj *obj, const void *addr,
				     hazptr_reclaim_fn *reclaim)
{
	hazptr_reset(r, i, (void *)addr);
	hazptr_ref_put(d, ref, obj, addr, reclaim);
}

/* ------------------------------------------------------------------ */
/* Synchronous, kernel-style calls                                     */
/* ------------------------------------------------------------------ */

/*
 * Wait until no slot of d holds addr (which the caller has unlinked).
 * Returns 0; -EINVAL if addr is NULL; -EDEADLK if the calling thread's own
 * record holds addr.  Busy-waits, then yields.
 */
int hazptr_synchronize(struct hazptr_domain *d, const void *addr);

/*
 * The RFC's hp_scan(): full (heavy) fence, then on_match(arg, rec, slot,
 * addr) for each slot that holds addr.  Does not wait.  Returns the number
 * of matches.  on_match may be NULL (count only).
 */
typedef void hazptr_match_fn(void *arg, struct hazptr_rec *rec,
			     unsigned int slot, void *addr);
unsigned int hazptr_scan(struct hazptr_domain *d, const void *addr,
			 hazptr_match_fn *on_match, void *arg);

/* ------------------------------------------------------------------ */
/* Per-CPU slot domains                                                */
/* ------------------------------------------------------------------ */

struct hazptr_pcpu_domain;	/* opaque */
struct hazptr_pcpu_slot;	/* opaque; each CPU's slots on their own cache line(s) */

/* NULL + errno (EINVAL: zero or too large; ENOMEM). */
struct hazptr_pcpu_domain *hazptr_pcpu_domain_create(unsigned int nr_cpus,
						     unsigned int slots_per_cpu);
/* Aborts with a message (debug builds) if a slot is still busy; a
 * non-debug build then leaks the domain instead of freeing it. */
void hazptr_pcpu_domain_destroy(struct hazptr_pcpu_domain *d);

/*
 * Publish addr in the first empty slot of `cpu`.  A plain (relaxed) store:
 * the caller supplies the store->load ordering (the kernel RFC issues
 * smp_mb() before it).  Returns the slot, or NULL if addr is NULL or all of
 * cpu's slots are busy.  The caller guarantees addr is alive and that nobody
 * else uses cpu's slots concurrently.  (Under ThreadSanitizer the store is
 * a release store, so it sees the ordering the caller's fence provides.)
 */
struct hazptr_pcpu_slot *hazptr_pcpu_try_protect(struct hazptr_pcpu_domain *d,
						 unsigned int cpu, void *addr);
/* Release-store NULL; debug builds abort with a message if the slot does
 * not hold addr (double clear). */
void hazptr_pcpu_clear(struct hazptr_pcpu_slot *slot, void *addr);
/* Acquire load of slot idx of cpu, for checkers. */
void *hazptr_pcpu_load(struct hazptr_pcpu_domain *d, unsigned int cpu,
		       unsigned int idx);
/*
 * Full barrier (pairs with the publisher's fence), then for every cpu and
 * slot holding addr, call on_match(arg, cpu, slot, addr).  Does not wait.
 * Returns the number of matches; counts slots read (hazptr_pcpu_stats()).
 */
unsigned int hazptr_pcpu_scan(struct hazptr_pcpu_domain *d, void *addr,
			      void (*on_match)(void *arg, unsigned int cpu,
					       struct hazptr_pcpu_slot *slot,
					       void *addr),
			      void *arg);
/* Wait until no slot holds addr, with a caller-given bound: returns 0, or
 * -ETIMEDOUT after timeout_ns (UINT64_MAX: no bound); -EINVAL if addr is
 * NULL. */
int hazptr_pcpu_synchronize(struct hazptr_pcpu_domain *d, void *addr,
			    uint64_t timeout_ns);
unsigned int hazptr_pcpu_nr_cpus(const struct hazptr_pcpu_domain *d);
unsigned int hazptr_pcpu_slots_per_cpu(const struct hazptr_pcpu_domain *d);

struct hazptr_pcpu_stats {
	uint64_t scans;		/* hazptr_pcpu_scan() calls */
	uint64_t synchronizes;	/* hazptr_pcpu_synchronize() calls */
	uint64_t slots_read;	/* slots read by both, waits included */
	uint64_t matches;	/* slots found holding the address by scans */
};
void hazptr_pcpu_stats(const struct hazptr_pcpu_domain *d,
		       struct hazptr_pcpu_stats *st);

#endif /* HAZPTR_H */
