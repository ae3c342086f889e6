/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcpu.c - per-CPU slot domains (the kernel RFC's hp.h / hazptr.h v3).
 *
 * nr_cpus x slots_per_cpu pointer slots.  CPU c's slots start on their own
 * cache line and fill whole lines (stride rounded up to 8 pointers), so a
 * CPU publishing into its slots never shares a line with another CPU.
 *
 * Unlike struct hazptr_domain there is no validation loop and no retire
 * list: the caller guarantees the object is alive when it publishes it and
 * issues the publish-side full fence itself (smp_mb() in mmgrab_lazy_tlb()),
 * and the updater decides what to do with matches (IPI the CPU, wait).
 */
#include "hazptr-internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#define SLOTS_PER_LINE (HAZPTR_CACHELINE / sizeof(void *))

struct hazptr_pcpu_slot {
	void *_Atomic ptr;
};

struct hazptr_pcpu_domain {
	unsigned int nr_cpus;
	unsigned int slots_per_cpu;
	unsigned int stride;			/* slots between two CPUs */
	struct hazptr_pcpu_slot *slots;		/* cache-line aligned */
	/* Statistics, on their own line: updated by scanners only. */
	_Atomic uint64_t scans HAZPTR_ALIGNED;
	_Atomic uint64_t synchronizes;
	_Atomic uint64_t slots_read;
	_Atomic uint64_t matches;
};

static struct hazptr_pcpu_slot *slot_at(struct hazptr_pcpu_domain *d,
					unsigned int cpu, unsigned int idx)
{
	return &d->slots[(size_t)cpu * d->stride + idx];
}

struct hazptr_pcpu_domain *hazptr_pcpu_domain_create(unsigned int nr_cpus,
						     unsigned int slots_per_cpu)
{
	struct hazptr_pcpu_domain *d;
	size_t stride, n;

	if (nr_cpus == 0 || slots_per_cpu == 0 || nr_cpus > (1u << 20) ||
	    slots_per_cpu > (1u << 16)) {
		errno = EINVAL;
		return NULL;
	}
	stride = (slots_per_cpu + SLOTS_PER_LINE - 1) / SLOTS_PER_LINE * SLOTS_PER_LINE;
	n = (size_t)nr_cpus * stride;
	d = aligned_alloc(HAZPTR_CACHELINE, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->slots = aligned_alloc(HAZPTR_CACHELINE, n * sizeof(*d->slots));
	if (!d->slots) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		atomic_init(&d->slots[i].ptr, NULL);
	d->nr_cpus = nr_cpus;
	d->slots_per_cpu = slots_per_cpu;
	d->stride = (unsigned int)stride;
	atomic_init(&d->scans, 0);
	atomic_init(&d->synchronizes, 0);
	atomic_init(&d->slots_read, 0);
	atomic_init(&d->matches, 0);
	return d;
}

void hazptr_pcpu_domain_destroy(struct hazptr_pcpu_domain *d)
{
	if (!d)
		return;
	for (unsigned int c = 0; c < d->nr_cpus; c++) {
		for (unsigned int i = 0; i < d->slots_per_cpu; i++) {
			void *v = atomic_load_explicit(&slot_at(d, c, i)->ptr,
						       memory_order_acquire);
			if (!v)
				continue;
#if HAZPTR_DEBUG
			hazptr_die("hazptr_pcpu_domain_destroy: cpu %u slot %u still "
				   "holds %p", c, i, v);
#else
			fprintf(stderr, "hazptr: hazptr_pcpu_domain_destroy: cpu %u "
				"slot %u still holds %p; domain leaked\n", c, i, v);
			return;
#endif
		}
	}
	free(d->slots);
	free(d);
}

struct hazptr_pcpu_slot *hazptr_pcpu_try_protect(struct hazptr_pcpu_domain *d,
						 unsigned int cpu, void *addr)
{
	if (HAZPTR_DEBUG && cpu >= d->nr_cpus)
		hazptr_die("hazptr_pcpu_try_protect: cpu %u out of range (nr_cpus %u)",
			   cpu, d->nr_cpus);
	if (!addr)
		return NULL;
	for (unsigned int i = 0; i < d->slots_per_cpu; i++) {
		struct hazptr_pcpu_slot *s = slot_at(d, cpu, i);

		/* Only this CPU's owner writes these slots: relaxed is enough
		 * to find an empty one. */
		if (atomic_load_explicit(&s->ptr, memory_order_relaxed))
			continue;
		/*
		 * Publish.  [pair:pcpu-publish]
		 * Orders: nothing by itself.  The caller's full fence before
		 *   this call (smp_mb() in mmgrab_lazy_tlb()) orders its earlier
		 *   accesses before this store, and the caller's next full
		 *   fence orders this store before its later loads.
		 * Pairs with: the full fence at the top of hazptr_pcpu_scan()
		 *   and hazptr_pcpu_synchronize().
		 * Without the caller's fences: SB, as for hazptr_protect():
		 *   the updater's scan reads the slot empty while this CPU
		 *   still reads the object as in use.
		 * x86: a plain mov; the caller's smp_mb() is the locked op.
		 * Under ThreadSanitizer (HAZPTR_TSAN_): a release store,
		 *   because it does not model the caller's fence as a release.
		 */
#if HAZPTR_TSAN_
		atomic_store_explicit(&s->ptr, addr, memory_order_release);
#else
		atomic_store_explicit(&s->ptr, addr, memory_order_relaxed);
#endif
		return s;
	}
	return NULL;
}

void hazptr_pcpu_clear(struct hazptr_pcpu_slot *slot, void *addr)
{
	if (!slot)
		hazptr_die("hazptr_pcpu_clear: NULL slot (addr %p)", addr);
	if (HAZPTR_DEBUG) {
		void *v = atomic_load_explicit(&slot->ptr, memory_order_relaxed);

		if (v != addr)
			hazptr_die("hazptr_pcpu_clear: slot %p holds %p, not %p "
				   "(double clear or wrong slot)", (void *)slot, v, addr);
	}
	/* Orders: the owner's accesses to addr  before  the slot's NULL.
	 * Pairs with: the acquire loads in hazptr_pcpu_scan(),
	 * hazptr_pcpu_synchronize() and hazptr_pcpu_load().
	 * [pair:pcpu-release]  x86: a plain store. */
	atomic_store_explicit(&slot->ptr, NULL, memory_order_release);
}

void *hazptr_pcpu_load(struct hazptr_pcpu_domain *d, unsigned int cpu,
		       unsigned int idx)
{
	if (cpu >= d->nr_cpus || idx >= d->slots_per_cpu) {
		if (HAZPTR_DEBUG)
			hazptr_die("hazptr_pcpu_load: cpu %u slot %u out of range "
				   "(%u cpus x %u slots)", cpu, idx, d->nr_cpus,
				   d->slots_per_cpu);
		return NULL;
	}
	/* [pair:pcpu-release] */
	return atomic_load_explicit(&slot_at(d, cpu, idx)->ptr, memory_order_acquire);
}

/*
 * The updater's full fence.
 * Orders: the caller's unpublish of addr (e.g. mm_users reaching zero)
 *   before  the reads of every CPU's slots.  [pair:pcpu-publish]
 * Pairs with: the publisher's smp_mb() around hazptr_pcpu_try_protect()
 *   (in the lazy-mm model: hazptr_grab() and the drops in
 *   model/lazy/hazptr.c, tagged [pair:hazptr-slot] there).
 * Without it: the updater reads a slot as empty while the publisher, whose
 *   store is still buffered, goes on to use the object; scan misses it.
 * x86: `lock or` / `mfence`.  There is no membarrier variant: the
 *   publisher already pays for a real fence.
 */
static void pcpu_fence(void)
{
	hazptr_full_fence_();
}

unsigned int hazptr_pcpu_scan(struct hazptr_pcpu_domain *d, void *addr,
			      void (*on_match)(void *arg, unsigned int cpu,
					       struct hazptr_pcpu_slot *slot,
					       void *addr),
			      void *arg)
{
	unsigned int matches = 0;

	pcpu_fence();		/* [pair:pcpu-publish] */
	for (unsigned int c = 0; c < d->nr_cpus; c++) {
		for (unsigned int i = 0; i < d->slots_per_cpu; i++) {
			struct hazptr_pcpu_slot *s = slot_at(d, c, i);

			/* [pair:pcpu-release] */
			if (!addr || atomic_load_explicit(&s->ptr, memory_order_acquire) != addr)
				continue;
			matches++;
			if (on_match)
				on_match(arg, c, s, addr);
		}
	}
	atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&d->slots_read,
				  (uint64_t)d->nr_cpus * d->slots_per_cpu,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&d->matches, matches, memory_order_relaxed);
	return matches;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int hazptr_pcpu_synchronize(struct hazptr_pcpu_domain *d, void *addr,
			    uint64_t timeout_ns)
{
	uint64_t start = 0, reads = 0;
	int rc = 0;

	if (!addr)
		return -EINVAL;
	atomic_fetch_add_explicit(&d->synchronizes, 1, memory_order_relaxed);
	pcpu_fence();		/* [pair:pcpu-publish] */
	for (unsigned int c = 0; c < d->nr_cpus && !rc; c++) {
		for (unsigned int i = 0; i < d->slots_per_cpu && !rc; i++) {
			struct hazptr_pcpu_slot *s = slot_at(d, c, i);
			unsigned int spins = 0;

			/* [pair:pcpu-release] */
			while (reads++, atomic_load_explicit(&s->ptr,
						memory_order_acquire) == addr) {
				if (!start)
					start = now_ns();
				if (timeout_ns != UINT64_MAX &&
				    now_ns() - start >= timeout_ns) {
					rc = -ETIMEDOUT;
					break;
				}
				if (++spins > 128)
					sched_yield();
			}
		}
	}
	atomic_fetch_add_explicit(&d->slots_read, reads, memory_order_relaxed);
	return rc;
}

unsigned int hazptr_pcpu_nr_cpus(const struct hazptr_pcpu_domain *d)
{
	return d->nr_cpus;
}

unsigned int hazptr_pcpu_slots_per_cpu(const struct hazptr_pcpu_domain *d)
{
	return d->slots_per_cpu;
}

void hazptr_pcpu_stats(const struct hazptr_pcpu_domain *d, struct hazptr_pcpu_stats *st)
{
	st->scans = atomic_load_explicit(&d->scans, memory_order_relaxed);
	st->synchronizes = atomic_load_explicit(&d->synchronizes, memory_order_relaxed);
	st->slots_read = atomic_load_explicit(&d->slots_read, memory_order_relaxed);
	st->matches = atomic_load_explicit(&d->matches, memory_order_relaxed);
}
