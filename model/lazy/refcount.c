/*
 * refcount - every lazy user holds a reference on mm->mm_count.
 *
 * x86's default in Linux v6.11 (CONFIG_MMU_LAZY_TLB_REFCOUNT=y); the
 * helpers of include/linux/sched/mm.h map to mmgrab()/mmdrop().
 *
 *   switch           MMU                  lazy reference
 *   kernel->kernel   enter_lazy_tlb       handed over with active_mm
 *   user  ->kernel   enter_lazy_tlb       atomic_inc(&mm->mm_count)   shared RMW
 *   kernel->user     switch_mm_irqs_off   atomic_dec_and_test later   shared RMW
 *   user  ->user     switch_mm_irqs_off   none
 *   teardown         nothing extra: the mm lives until the last lazy user
 *                    switches away; the final mmdrop frees it, on any CPU
 *
 * The dec-and-test is fully ordered: it is the full barrier membarrier
 * needs on a kernel->user switch without a CR3 write.
 */
#include "lazy.h"

#define MUT_NO_GRAB_INC LM_MUT_SCHEME(0)

/* Models mmgrab_lazy_tlb() with REFCOUNT=y: a plain, unordered atomic_inc
 * (smp_mb__after_mmgrab() is a compiler barrier on x86). */
static void refcount_grab(struct mm_struct *mm)
{
	if (lazy_mutated(MUT_NO_GRAB_INC))
		return;                 /* the broken variant: nothing pins mm */
	mmgrab(mm);
}

/* Models mmdrop_lazy_tlb() and mmdrop_lazy_tlb_sched() (non-RT). */
static void refcount_drop(struct mm_struct *mm)
{
	mmdrop(mm);
}

/* finish_cpu(): the dead CPU's reference is dropped on the controller;
 * a refcount does not care which CPU drops it. */
static void refcount_drop_offline(int dead_cpu, struct mm_struct *mm)
{
	(void)dead_cpu;
	mmdrop(mm);
}

static const struct lazy_mutant refcount_mutants[] = {
	{ "no-grab-inc", "lazy grab without the increment of mm_count",
	  "scenario hotpath (no mm_count RMW on the switch) and last-exit-lazy (I1: freed under its lazy users)",
	  MUT_NO_GRAB_INC },
	{ "drop-irqs-off", "finish_task_switch() drops the lazy reference before irqs are back on",
	  "scenario last-exit-lazy (I12: the final mmdrop with irqs off)", LM_MUT_DROP_IRQS_OFF },
	{ "no-sync-dead", "the controlling CPU runs finish_cpu() once the CPU left the online mask, not once it reported dead",
	  "scenario offline-window (I1/I3: finish_cpu()'s drop frees the mm the dying CPU still has loaded)",
	  LM_MUT_NO_SYNC_DEAD },
	/* membarrier()'s own barriers (membarrier.c): the kernel's, whatever
	 * the scheme; registered here, with v6.11 as it is */
	{ "membarrier-no-entry-mb", "membarrier() reads rq->curr without its first smp_mb()",
	  "scenario membarrier-ipi (I9: rq->curr read before the caller's user accesses are ordered)",
	  LM_MUT_MB_NO_ENTRY_MB },
	{ "membarrier-no-exit-mb", "membarrier() returns without its final smp_mb()",
	  "scenario membarrier-ipi (I9: a user access after membarrier() with no barrier since the IPIs)",
	  LM_MUT_MB_NO_EXIT_MB },
	{ "membarrier-ipi-no-mb", "ipi_mb() without its smp_mb()",
	  "scenario membarrier-ipi (I9: a CPU running the mm executed no full barrier during the call)",
	  LM_MUT_MB_IPI_NO_MB },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops refcount_ops = {
	.name = "refcount",
	.desc = "x86 v6.11 default: lazy users hold mm_count (shared atomic per idle entry/exit)",
	.role = LAZY_BASELINE,
	.grab = refcount_grab,
	.drop = refcount_drop,
	.drop_sched = refcount_drop,
	.drop_offline = refcount_drop_offline,
	.cleanup = lazy_nop,             /* cleanup_lazy_tlbs(): nothing with REFCOUNT=y */
	.drop_derefs_mm = true,
	.grab_full_barrier = true,       /* mmgrab()'s LOCK'd increment */
	.mutants = refcount_mutants,
};
