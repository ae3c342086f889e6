/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cpuslot.c - holds: protections in per-CPU slots claimed through rseq,
 * with the calling thread's record as the fallback.
 *
 * A domain may have, besides its records, an array of HAZPTR_CPU_SLOTS
 * slots per possible CPU (one cache line each), allocated on the first
 * hold.  hazptr_hold_protect() claims a free (NULL) slot of the CPU it runs
 * on with an rseq critical section: "cpu_id is still c and the slot is
 * NULL, then store p", where the store is the commit instruction.  The
 * kernel aborts the sequence if the thread is preempted, migrated or
 * signalled inside it, so no two claimers of CPU c's slots interleave, and
 * the claim costs no locked instruction.  The holder then owns the slot
 * wherever it runs: only it stores to a non-NULL slot (a changed source,
 * the final clear), and a claimer stores only to a NULL one, which no
 * holder owns.  Scanners read these slots like record slots (reclaim.c,
 * record.c, domain.c).
 *
 * Fallback (the per-thread path): without rseq (kernel or libc without
 * it, not x86-64, a ThreadSanitizer build, or HAZPTR_FORCE_NO_RSEQ=1 in the
 * environment), or when all of the CPU's slots are held (holders were
 * preempted), the hold takes the highest free slot of the calling thread's
 * record in the domain.
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && !HAZPTR_TSAN_ && __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAZPTR_HAVE_RSEQ 1
#else
#define HAZPTR_HAVE_RSEQ 0
#endif

static pthread_once_t rseq_once = PTHREAD_ONCE_INIT;
static bool rseq_ok;

static void rseq_probe(void)
{
#if HAZPTR_HAVE_RSEQ
	const char *e = getenv("HAZPTR_FORCE_NO_RSEQ");
	const struct rseq *rs;

	if (e && *e && strcmp(e, "0") != 0)
		return;
	if (__rseq_size < 20)		/* glibc did not register rseq */
		return;
	rs = (const struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	rseq_ok = (int32_t)rs->cpu_id >= 0;
#endif
}

const char *hazptr_hold_mode(void)
{
	pthread_once(&rseq_once, rseq_probe);
	return rseq_ok ? "rseq" : "thread";
}

#if HAZPTR_HAVE_RSEQ
/*
 * The critical section: if this thread still runs on `cpu` and *slot is
 * NULL, store p in it.  0: stored; 1: the slot is held; -1: aborted
 * (preempted, migrated, signalled) or not on `cpu`.  The descriptor (start,
 * post-commit offset, abort address) lives in __rseq_cs; the abort handler
 * is preceded by the RSEQ_SIG signature the kernel checks (encoded as the
 * operand of an undefined instruction, as the kernel's selftests do).
 */
static int rseq_claim(struct rseq *rs, void *_Atomic *slot, void *p, uint32_t cpu)
{
	__asm__ __volatile__ goto (
		".pushsection __rseq_cs, \"aw\"\n\t"
		".balign 32\n\t"
		"3:\n\t"
		".long 0x0, 0x0\n\t"
		".quad 1f, (2f - 1f), 4f\n\t"
		".popsection\n\t"
		"leaq 3b(%%rip), %%rax\n\t"
		"movq %%rax, %[rseq_cs]\n\t"
		"1:\n\t"
		"cmpl %[cpu], %[cur_cpu]\n\t"
		"jnz %l[aborted]\n\t"
		"cmpq $0, %[v]\n\t"
		"jnz %l[held]\n\t"
		"movq %[p], %[v]\n\t"	/* commit */
		"2:\n\t"
		".pushsection __rseq_failure, \"ax\"\n\t"
		".byte 0x0f, 0xb9, 0x3d\n\t"
		".long 0x53053053\n\t"	/* RSEQ_SIG */
		"4:\n\t"
		"jmp %l[aborted]\n\t"
		".popsection\n\t"
		:
		: [cpu] "r" (cpu), [cur_cpu] "m" (rs->cpu_id),
		  [rseq_cs] "m" (rs->rseq_cs), [v] "m" (*(void **)slot), [p] "r" (p)
		: "memory", "cc", "rax"
		: aborted, held);
	return 0;
aborted:
	return -1;
held:
	return 1;
}

/* d's per-CPU slots, allocated (under d->lock, with room for them in the
 * scan buffer) on first use.  NULL + errno ENOMEM. */
static void *_Atomic *cpu_slots(struct hazptr_domain *d)
{
	void *_Atomic *s = atomic_load_explicit(&d->cpu_slots, memory_order_acquire);
	long ncpu;
	size_t n, need;

	if (s)
		return s;
	ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpu < 1)
		ncpu = 1;
	n = (size_t)ncpu * HAZPTR_CPU_SLOTS;
	pthread_mutex_lock(&d->lock);
	s = atomic_load_explicit(&d->cpu_slots, memory_order_relaxed);
	if (s)
		goto out;
	need = (size_t)atomic_load_explicit(&d->nrecords, memory_order_relaxed) *
	       HAZPTR_NR_SLOTS + n;
	if (need > d->scan_cap) {
		const void **buf = realloc(d->scan_buf, need * sizeof(*buf));

		if (!buf)
			goto out;
		d->scan_buf = buf;
		d->scan_cap = need;
	}
	s = aligned_alloc(HAZPTR_CACHELINE, n * sizeof(*s));
	if (!s)
		goto out;
	for (size_t i = 0; i < n; i++)
		atomic_init(&s[i], NULL);
	d->ncpu_slots = (unsigned int)n;
	/* Release: the NULLs and ncpu_slots before the array's appearance.
	 * Pairs with the acquire loads in for_each_cpu_slot() and above.
	 * [pair:hp-cpu-slots] */
	atomic_store_explicit(&d->cpu_slots, s, memory_order_release);
out:
	pthread_mutex_unlock(&d->lock);
	if (!s)
		errno = ENOMEM;
	return s;
}
#endif /* HAZPTR_HAVE_RSEQ */

/* Claim a slot for p (non-NULL): this CPU's through rseq, else the
 * thread's record.  The store is done; the reader fence is not. */
static void *_Atomic *claim(struct hazptr_domain *d, void *p)
{
	struct hazptr_rec *h;
	struct hazptr_rec_priv *r;

	pthread_once(&rseq_once, rseq_probe);
#if HAZPTR_HAVE_RSEQ
	if (rseq_ok) {
		void *_Atomic *s = cpu_slots(d);
		struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() +
						  __rseq_offset);

		for (int tries = 0; s && tries < 8; tries++) {
			uint32_t cpu = atomic_load_explicit((_Atomic uint32_t *)&rs->cpu_id_start,
							    memory_order_relaxed);
			int rc = 1;

			if ((size_t)cpu * HAZPTR_CPU_SLOTS >= d->ncpu_slots)
				break;		/* a CPU beyond the array */
			for (unsigned int i = 0; i < HAZPTR_CPU_SLOTS && rc == 1; i++) {
				void *_Atomic *slot = &s[cpu * HAZPTR_CPU_SLOTS + i];

				if (atomic_load_explicit(slot, memory_order_relaxed))
					continue;
				rc = rseq_claim(rs, slot, p, cpu);
				if (rc == 0)
					return slot;
			}
			if (rc == 1)
				break;		/* all held: the fallback */
		}
	}
#endif
	h = hazptr_rec_get(d);
	if (!h)
		hazptr_die("hazptr_hold_protect: no record: %s", strerror(errno));
	r = rec_priv(h);
	for (unsigned int i = HAZPTR_NR_SLOTS; i-- > 0;) {
		if (!atomic_load_explicit(&r->pub.hp_slot[i], memory_order_relaxed)) {
			atomic_store_explicit(&r->pub.hp_slot[i], p,
					      memory_order_release);	/* [pair:hp-release] */
			return &r->pub.hp_slot[i];
		}
	}
	hazptr_die("hazptr_hold_protect: all %d slots of the thread's record are in use",
		   HAZPTR_NR_SLOTS);
}

/*
 * The reader fence after a hold's slot store (the rseq commit, or a store
 * into the record), as hazptr_publish_() issues it.
 * Orders: the slot store  before  the re-load of *src.  [pair:hp-publish]
 * Pairs with: the heavy fence of every scanner (scan_pass(), local_pass(),
 *   cohort passes, hazptr_synchronize(), hazptr_scan()), issued after the
 *   unlink and before the slots, per-CPU ones included, are read.
 * Without it (store buffering): the hold's store still buffered, the re-load
 *   sees the old object, the scanner reads the slot as NULL and reclaims it
 *   while the holder uses it.
 * Who relies on it: every hazptr_hold_protect() that returns an object.
 * x86 cost: membarrier mode: a compiler barrier (the scanner's membarrier
 *   IPIs the holder, or the holder was switched out: a full barrier either
 *   way); seq_cst mode: `mfence`/`lock or`; TSAN: hazptr_full_fence_().
 */
static void hold_fence(struct hazptr_domain *d)
{
#if HAZPTR_TSAN_
	(void)d;
	hazptr_full_fence_();
#else
	if (d->fence == HAZPTR_FENCE_MEMBARRIER)
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
#endif
}

void *hazptr_hold_protect(struct hazptr_domain *d, struct hazptr_hold *h,
			  void *_Atomic const *src)
{
	void *_Atomic *slot;
	void *p, *q;

	if (!h || !src)
		hazptr_die("hazptr_hold_protect: NULL %s", !h ? "hold" : "source");
	d = resolve(d);
	h->slot_ = NULL;
	p = atomic_load_explicit(src, memory_order_relaxed);
	if (!p)
		return NULL;
	slot = claim(d, p);
	for (;;) {
		hold_fence(d);				/* [pair:hp-publish] */
		q = atomic_load_explicit(src, HAZPTR_RELOAD_ORDER_);
		if (hazptr_ptr_eq(p, q))
			break;
		p = q;
		/* Ours: only the holder stores to a non-NULL slot.  NULL
		 * gives it back. */
		atomic_store_explicit(slot, p, memory_order_release);	/* [pair:hp-release] */
		if (!p)
			return NULL;
	}
	h->slot_ = slot;
	return q;
}

void hazptr_hold_clear(struct hazptr_hold *h)
{
	if (!h)
		hazptr_die("hazptr_hold_clear: NULL hold");
	if (h->slot_) {
		/* Release: our accesses before a scanner's acquire that sees
		 * NULL.  [pair:hp-release] */
		atomic_store_explicit(h->slot_, NULL, memory_order_release);
		h->slot_ = NULL;
	}
}
