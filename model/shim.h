/*
 * shim.h - the kernel's memory-model spellings, implemented once on C11.
 *
 * Model code is written with the kernel's names (READ_ONCE, smp_mb,
 * smp_store_release, atomic_inc ...) so that it reads side by side with
 * Linux.  Each primitive maps to the C11 operation that gives at least the
 * kernel's guarantee on x86-TSO:
 *
 *   READ_ONCE / WRITE_ONCE      relaxed load / store
 *   smp_load_acquire            acquire load
 *   smp_store_release           release store
 *   smp_mb()                    seq_cst fence (x86: MFENCE or LOCK OR)
 *   atomic RMW (inc, dec_and_test, cmpxchg, set_bit ...)
 *                               seq_cst RMW (x86: a LOCK'd instruction,
 *                               which is also a full barrier)
 *   barrier()                   compiler barrier (atomic_signal_fence)
 *
 * Every full barrier and every RMW is counted (per simulated CPU) so the
 * benchmark can report what each scheme costs.  The counter helpers live in
 * model.h; this header only has the raw operations.
 */
#ifndef LAZYMM_SHIM_H
#define LAZYMM_SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define READ_ONCE(x)          atomic_load_explicit(&(x), memory_order_relaxed)
#define WRITE_ONCE(x, v)      atomic_store_explicit(&(x), (v), memory_order_relaxed)
#define smp_load_acquire(p)   atomic_load_explicit((p), memory_order_acquire)
#define smp_store_release(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define barrier()             atomic_signal_fence(memory_order_seq_cst)

/*
 * lm_fence(): the seq_cst fence behind smp_mb() and the other full barriers.
 * ThreadSanitizer does not model fences (gcc refuses them under -Werror):
 * in TSAN builds the fence is a seq_cst RMW on one global word, which TSAN
 * understands as synchronization.  That over-synchronizes (every fence
 * orders with every other), so a TSAN run can miss a race a fence alone
 * would leave open; the litmus test covers missing fences instead.
 */
#if defined(LAZYMM_TSAN)
extern _Atomic unsigned long lm_tsan_fence_word;
#define lm_fence() ((void)atomic_fetch_add_explicit(&lm_tsan_fence_word, 0, memory_order_seq_cst))
#else
#define lm_fence() atomic_thread_fence(memory_order_seq_cst)
#endif

#define LM_CACHELINE 64
#define __cacheline_aligned   __attribute__((aligned(LM_CACHELINE)))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include <sched.h>

/* A spin-wait step: pause, and every 128 steps give the host CPU away, so a
 * waiter does not burn the time slice of the simulated CPU it waits for
 * when the host is oversubscribed (more simulated CPUs than cores). */
static inline void spin_backoff(unsigned int spins);

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	barrier();
#endif
}

static inline void spin_backoff(unsigned int spins)
{
	cpu_relax();
	if ((spins & 127) == 127)
		sched_yield();
}

#endif /* LAZYMM_SHIM_H */
