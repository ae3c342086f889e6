/*
 * none - no lazy-mm tracking at all.  UNSAFE by design.
 *
 * The performance limit every scheme is measured against, and the positive
 * control of the checkers: an mm is freed by its last real user even while
 * other CPUs still have it loaded lazily.  On bare-metal x86 the final
 * freed_tables flush of exit_mmap() evicts those CPUs, so `none` only
 * fails when no such flush happened: an mm that never mapped anything, a
 * broadcast flush that does not interrupt lazy CPUs, or a final drop that
 * races with a lazy CPU.  The checkers must see those.
 *
 *   switch           MMU                  lazy reference
 *   any              as the kernel        nothing, not even a barrier
 *   teardown         nothing
 */
#include "lazy.h"

static void none_grab(struct mm_struct *mm)
{
	(void)mm;
}

static void none_drop(struct mm_struct *mm)
{
	(void)mm;
}

static void none_drop_offline(int dead_cpu, struct mm_struct *mm)
{
	(void)dead_cpu;
	(void)mm;
}

static const struct lazy_mutant none_mutants[] = {
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops none_ops = {
	.name = "none",
	.desc = "UNSAFE: no tracking at all; the performance limit and the checkers' positive control",
	.role = LAZY_LIMIT,
	.grab = none_grab,
	.drop = none_drop,
	.drop_sched = none_drop,
	.drop_offline = none_drop_offline,
	.cleanup = none_drop,
	.drop_derefs_mm = false,
	.mutants = none_mutants,
};
