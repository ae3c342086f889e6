/*
 * shootdown - no lazy refcount; __mmdrop() shoots the lazy users down.
 *
 * Follows Nick Piggin's CONFIG_MMU_LAZY_TLB_SHOOTDOWN (kernel/fork.c
 * cleanup_lazy_tlbs()/do_shoot_lazy_tlb(), v6.3+; powerpc book3s64).
 *
 *   switch           MMU                  lazy reference
 *   kernel->kernel   enter_lazy_tlb       handed over with active_mm
 *   user  ->kernel   enter_lazy_tlb       nothing
 *   kernel->user     switch_mm_irqs_off   smp_mb() (membarrier) later
 *   user  ->user     switch_mm_irqs_off   none
 *   teardown         __mmdrop(): a waiting IPI to every CPU in
 *                    mm_cpumask (this one included); each CPU whose
 *                    current task borrows the mm moves it to init_mm
 *
 * The scheme's precondition: at the final mmdrop, mm_cpumask(mm) contains
 * every CPU on which the mm is lazily active.  powerpc never clears a bit
 * on switch; x86 v6.11 does clear it when a CPU leaves the mm, and leaves
 * current->active_mm behind when that happens without a context switch
 * (a flush IPI evicting a lazy CPU, cpuidle's leave_mm()).  The model keeps
 * the precondition the way the unfinished x86 patches (peterz x86/lazy)
 * meant to: left_lazy() fixes active_mm up to init_mm wherever x86 leaves
 * a lazy mm without a switch, and the IRQs-off exec path
 * (ARCH_WANT_IRQS_OFF_ACTIVATE_MM, which powerpc selects) closes the
 * window where a task's active_mm and the loaded mm disagree.  And a CPU
 * switching away from the mm keeps its bit until its CR3 and switch_ldt()
 * are done with the mm (x86.cpumask_clear_late): x86 v6.11 clears it first,
 * which would let a concurrent cleanup miss a CPU whose CR3 still holds
 * the pgd (found by the SPIN model, docs/verification.md).  With the
 * torture checkers on, a second IPI round (DEBUG_VM_SHOOT_LAZIES) checks
 * no CPU still borrows the mm.  Scenarios run without it: its waiting IPIs
 * to every CPU serialize with any CPU in the middle of a switch and would
 * hide the windows they are built to open.
 */
#include "lazy.h"

#define MUT_NO_WAIT        LM_MUT_SCHEME(0)
#define MUT_SKIP_LAZY_CPUS LM_MUT_SCHEME(1)
#define MUT_NO_LEFT_LAZY   LM_MUT_SCHEME(2)
#define MUT_SKIP_LOCAL     LM_MUT_SCHEME(3)

/* mmdrop_lazy_tlb() with REFCOUNT=n: only the barrier membarrier needs on
 * a kernel->user switch [pair:membarrier-lazy-drop]. */
static void shootdown_drop(struct mm_struct *mm)
{
	(void)mm;
	smp_mb();
}

/* A CPU left its lazy mm without a switch: keep active_mm truthful so the
 * cpumask still covers every CPU that borrows the mm. */
static void shootdown_left_lazy(struct mm_struct *mm)
{
	struct task_struct *cur = current;

	if (lazy_mutated(MUT_NO_LEFT_LAZY))
		return;          /* the broken variant: active_mm left behind */
	if (cur->active_mm == mm && !cur->mm) {
		cur->active_mm = &init_mm;
		cur->active_mm_gen = 0;
	}
}

/* Models do_shoot_lazy_tlb() as an IPI handler. */
static void shoot_lazy(void *info)
{
	lazy_shoot_lazy_tlb(info);
}

static struct lazy_shoot async_arg[NR_CPUS_MAX];

/* Models cleanup_lazy_tlbs() (kernel/fork.c). */
static void shootdown_cleanup(struct mm_struct *mm)
{
	uint64_t mask[NR_CPUS_MAX / 64];
	struct lazy_shoot a = { mm, lm_this->cpu };
	int me = lm_this->cpu, n;

	/* Orders the caller's mm_count/mm_users drop before reading the mask
	 * [pair:shootdown-mask]: a CPU that sets its bit after this point
	 * cannot be switching to a dead mm (I7). */
	smp_mb();
	cpumask_snapshot(mm->cpumask, mask);
	if (lazy_mutated(MUT_SKIP_LAZY_CPUS)) {
		/* the broken variant: lazy CPUs look idle, so skip them */
		for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
			if (atomic_load_explicit(&cpu_of(cpu)->tlbstate_shared.is_lazy, memory_order_seq_cst))
				mask[cpu / 64] &= ~(1ULL << (cpu % 64));
	}
	n = 0;
	for (int i = 0; i < NR_CPUS_MAX / 64; i++)
		n += __builtin_popcountll(mask[i]);
	if ((mask[me / 64] >> (me % 64)) & 1)
		n--;
	count_add(CNT_IPI_TEARDOWN, (uint64_t)n);
	if (lazy_mutated(MUT_NO_WAIT)) {
		/* the broken variant: free without waiting for the IPIs */
		async_arg[me] = a;
		on_each_cpu_mask(mask, shoot_lazy, &async_arg[me], 0);
		return;
	}
	if (lazy_mutated(MUT_SKIP_LOCAL))
		smp_call_function_many(mask, shoot_lazy, &a, 1);  /* excludes this CPU */
	else
		on_each_cpu_mask(mask, shoot_lazy, &a, 1);
	/* The offline window (model/cpu.c): a CPU of the mask that is no
	 * longer online got no IPI; until it has run idle_task_exit() its
	 * CR3 may still hold mm's pgd. */
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
		if (((mask[cpu / 64] >> (cpu % 64)) & 1) && !cpu_online(cpu))
			cpuhp_wait_dying(cpu);
	/* The scheme's precondition, checked where it is race-free: the CPU
	 * running the teardown no longer borrows mm (I6; its loaded_mm is
	 * __mmdrop()'s I11 check). */
	if (current->active_mm == mm)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0,
			     "cpu%d: still borrows mm%d (current->active_mm) after its shootdown",
			     lm_this->cpu, mm_id(mm));
	if (lm.cfg.debug_shoot_lazies) {
		uint64_t all[NR_CPUS_MAX / 64] = { 0 };

		for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
			all[cpu / 64] |= 1ULL << (cpu % 64);
		on_each_cpu_mask(all, do_check_lazy_tlb, &a, 1);
	}
}

static const struct lazy_mutant shootdown_mutants[] = {
	{ "no-wait", "free the mm without waiting for the shootdown IPIs",
	  "scenario last-exit-lazy (I1/I3: a CPU still has the freed mm loaded)", MUT_NO_WAIT },
	{ "skip-lazy-cpus", "send the shootdown only to CPUs that are not lazy",
	  "scenario last-exit-lazy (I1: the lazy CPUs keep the freed mm)", MUT_SKIP_LAZY_CPUS },
	{ "cpumask-clear-early", "x86 v6.11 order: leave mm_cpumask(prev) before CR3 and switch_ldt() are done",
	  "scenario switching-window (I3: switch_ldt() reads the freed mm)", LM_MUT_CPUMASK_CLEAR_EARLY },
	{ "no-left-lazy", "no left_lazy(): a CPU evicted from its lazy mm by a flush keeps it as active_mm",
	  "scenario exit-mm-window (I6: the exiting CPU still borrows the mm after its shootdown)", MUT_NO_LEFT_LAZY },
	{ "teardown-skips-local", "the shootdown IPIs other CPUs only (smp_call_function_many), not the one running __mmdrop()",
	  "scenario last-exit-lazy (I11: the exiting CPU keeps the freed mm loaded)", MUT_SKIP_LOCAL },
	{ "irqs-on-activate-mm", "x86 v6.11 exec_mmap(): irqs on between active_mm = mm and activate_mm()",
	  "scenario exec-irqs-on-window (I3: the shootdown IPI sees the new active_mm; the old mm is freed while loaded)",
	  LM_MUT_IRQS_ON_ACTIVATE_MM },
	{ "kthread-use-irqs-on", "kthread_use_mm() lets an IPI in between active_mm = mm and the switch",
	  "scenario kthread-use-window (I3: the old lazy mm is freed while loaded)", LM_MUT_KTHREAD_USE_IRQS_ON },
	{ "no-dying-wait", "the shootdown does not wait for a CPU in the offline window (its IPI was masked out)",
	  "scenario offline-window (I1/I3: the dying CPU still has the freed mm loaded)", LM_MUT_NO_DYING_WAIT },
	{ "no-mb-after-mmgrab", "v6.11 x86 smp_mb__after_mmgrab() (a no-op) with no atomic in the lazy grab",
	  "scenario membarrier-cid (I9: switch_mm_cid() on user->kernel with no full barrier)",
	  LM_MUT_NO_MB_AFTER_MMGRAB },
	{ "ibpb-mm-pointer", "x86 v6.11 cond_mitigation(): the IBPB decision by the raw mm pointer",
	  "scenario ibpb-reuse (I13: IBPB skipped between two address spaces)", LM_MUT_IBPB_MM_POINTER },
	{ "efi-leave-active-mm", "x86 v6.11 efi_leave_mm(): back to current->active_mm",
	  "scenario efi-temp-mm (I14/I1: the freed lazy mm is loaded again)", LM_MUT_EFI_LEAVE_ACTIVE_MM },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops shootdown_ops = {
	.name = "shootdown",
	.desc = "powerpc MMU_LAZY_TLB_SHOOTDOWN: no refcount; IPI mm_cpumask at __mmdrop",
	.role = LAZY_NORMAL,
	.x86 = { .cpumask_clear_late = true, .irqs_off_activate_mm = true, .ibpb_ctx_id = true,
		 .efi_leave_init_mm = true },
	.grab = lazy_nop,                /* REFCOUNT=n: mmgrab_lazy_tlb() is empty */
	.drop = shootdown_drop,
	.drop_sched = shootdown_drop,
	.drop_offline = lazy_nop_offline,
	.left_lazy = shootdown_left_lazy,
	.cleanup = shootdown_cleanup,
	.mutants = shootdown_mutants,
};
