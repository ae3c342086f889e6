/*
 * wait.h - the one bounded spin-wait, and the raw spinlock built on it.
 *
 * Every wait of the model spins with spin_backoff() (shim.h) and, every
 * 1024 steps, checks its deadline (lm.cfg.wait_timeout_ns from the first
 * check): a wait that runs out reports INV_HANG and aborts the run
 * (smp.c: lm_wait_expired()).  Use:
 *
 *	struct lm_wait w = LM_WAIT("what is awaited");
 *	while (!condition)
 *		if (!lm_wait_step(&w))
 *			break;          (the run is aborting: unwind)
 */
#ifndef LAZYMM_WAIT_H
#define LAZYMM_WAIT_H

#include <stdbool.h>

#include "defs.h"

struct lm_wait {
	uint64_t deadline;         /* 0 until the first check */
	unsigned int spins;
	const char *what;          /* for the INV_HANG report */
};
#define LM_WAIT(what) ((struct lm_wait){ 0, 0, (what) })

/* smp.c */
uint64_t lm_deadline(void);
bool lm_wait_expired(uint64_t deadline, const char *what);

/* One step of a bounded wait: false when the caller must stop waiting. */
static inline bool lm_wait_step(struct lm_wait *w)
{
	spin_backoff(w->spins);
	if ((++w->spins & 1023) == 0) {
		if (!w->deadline)
			w->deadline = lm_deadline();
		if (lm_wait_expired(w->deadline, w->what))
			return false;
	}
	return true;
}

/* Models raw_spin_lock() (kernel/locking/spinlock.c): test-and-set with a
 * bounded wait.  Uncounted: callers count what the benchmark reports
 * (sched.c counts the scheduler's locks as CNT_LOCK). */
static inline void raw_spin_lock(atomic_flag *l, const char *what)
{
	struct lm_wait w = LM_WAIT(what);

	while (atomic_flag_test_and_set_explicit(l, memory_order_acquire))
		if (!lm_wait_step(&w))
			return;
}

static inline void raw_spin_unlock(atomic_flag *l)
{
	atomic_flag_clear_explicit(l, memory_order_release);
}

#endif /* LAZYMM_WAIT_H */
