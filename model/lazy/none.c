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

static const struct lazy_mutant none_mutants[] = {
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops none_ops = {
	.name = "none",
	.desc = "UNSAFE: no tracking at all; the performance limit and the checkers' positive control",
	.role = LAZY_LIMIT,
	.grab = lazy_nop,
	.drop = lazy_nop,
	.drop_sched = lazy_nop,
	.drop_offline = lazy_nop_offline,
	.cleanup = lazy_nop,
	.drop_derefs_mm = false,
	.mutants = none_mutants,
};
