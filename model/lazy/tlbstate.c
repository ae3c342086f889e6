/*
 * tlbstate - Linus's proposal: cpu_tlbstate.loaded_mm is the only record.
 *
 * No lazy refcount, no use of active_mm.  What a CPU has loaded is what
 * x86 already tracks per CPU (cpu_tlbstate.loaded_mm, remotely readable),
 * and teardown relies on what x86 does anyway:
 *
 *   switch           MMU                  lazy tracking
 *   kernel->kernel   enter_lazy_tlb       nothing
 *   user  ->kernel   enter_lazy_tlb       nothing (is_lazy = true, as x86 does);
 *                                         switch_mm_cid() then owes an
 *                                         smp_mb() (no mmgrab() atomic)
 *   kernel->user     switch_mm_irqs_off   smp_mb() in the drop (membarrier;
 *                                         redundant on x86, as the series)
 *   user  ->user     switch_mm_irqs_off   none
 *   exit_mmap()      the final freed_tables flush IPIs every CPU in
 *                    mm_cpumask, lazy ones included; each lazy CPU leaves
 *                    the mm for init_mm (flush_tlb_func())
 *   __mmdrop()       filtered shootdown: of the CPUs in mm_cpumask(mm), a
 *                    waiting IPI only to those whose loaded_mm is still this
 *                    mm (or LOADED_MM_SWITCHING): an mm that never mapped
 *                    anything (no flush happened), a flush that does not
 *                    interrupt lazy CPUs (broadcast invalidation), the
 *                    exiting CPU itself
 *
 * Why it is safe: once mm_users is 0 no CPU can load the mm again (I7), so
 * the set of CPUs with loaded_mm == mm only shrinks; the filter reads each
 * candidate's loaded_mm after the last user is gone and IPIs (and waits
 * for) every CPU that may still hold it.  The switch path writes nothing
 * that another CPU writes: is_lazy and loaded_mm are per-CPU lines.
 *
 * Why mm_cpumask is the candidate set (the kernel series' patch 2 and
 * arch_lazy_tlb_cpu_uses_mm(), kernel/patches-6.12/0002, 0009, 0010): a
 * CPU leaves mm_cpumask(prev) only when CR3 and switch_ldt() are done with
 * prev (x86.cpumask_clear_late), so a CPU outside the mask never touches
 * the mm again.  x86 v6.11 clears the bit first, before the CR3 write: a
 * CPU caught there is outside the mask with prev still in CR3 (mutant
 * cpumask-clear-early).  The scan then reads the few CPUs of the mask, not
 * every CPU: after exit_mmap()'s flush evicted the lazy CPUs, none.
 *
 * One x86 change it needs: v6.11's switch_ldt() reads prev->context.ldt
 * after loaded_mm = next is published, when this scheme's teardown no
 * longer sees the CPU; the read must move before the publish
 * (x86.switch_ldt_early; found by the SPIN model, docs/verification.md).
 */
#include "lazy.h"

#define MUT_NO_MMDROP_SHOOTDOWN LM_MUT_SCHEME(0)
#define MUT_NO_SWITCHING_TERM   LM_MUT_SCHEME(1)
#define MUT_SKIP_LOCAL          LM_MUT_SCHEME(2)
#define MUT_NO_DROP_MB          LM_MUT_SCHEME(3)

/*
 * finish_task_switch()'s mmdrop_lazy_tlb_sched(): membarrier needs a full
 * barrier between the rq->curr store and the return to user space
 * [pair:membarrier-lazy-drop].  Issued unconditionally, as the kernel
 * series (kernel/patches/0002, 0005) and REFCOUNT=n kernels do.  On x86 it
 * is redundant: the lazy return's smp_mb() or the CR3 write, and on v6.11
 * switch_mm_cid()'s smp_mb(), already follow the rq->curr store on every
 * kernel->user switch (docs/schemes.md).  Costs one fence per kernel->user
 * switch over none.
 */
static void tlbstate_drop_sched(struct mm_struct *mm)
{
	(void)mm;
	if (!lazy_mutated(MUT_NO_DROP_MB))
		smp_mb();
}

/* The series' lazy_tlb_drop_active_mm(): a kernel thread that leaves its
 * lazy mm outside a context switch (a flush eviction, leave_mm(), the
 * shootdown) stops naming it, so that active_mm is always the loaded mm
 * or init_mm and never outlives the mm (I14). */
static void tlbstate_left_lazy(struct mm_struct *mm)
{
	struct task_struct *cur = current;

	if (!cur->mm && cur->active_mm == mm) {
		cur->active_mm = &init_mm;
		cur->active_mm_gen = 0;
	}
}

/* exec_mmap()/kthread_use_mm(): membarrier scenario E wants a barrier after
 * tsk->mm is set, before user memory is touched: keep it explicit. */
static void tlbstate_drop(struct mm_struct *mm)
{
	(void)mm;
	smp_mb();
}

/* Runs on each CPU the filter picked, irqs off. */
static void tlbstate_shoot(void *info)
{
	const struct lazy_shoot *a = info;
	struct lm_cpu *c = lm_this;

	if (atomic_load_explicit(&c->tlbstate.loaded_mm, memory_order_relaxed) != a->mm) {
		/* left it meanwhile; the local CPU's current may still name it */
		if (current->active_mm == a->mm && !current->mm)
			tlbstate_left_lazy(a->mm);
		else
			lazy_shoot_nothing(a);
		return;
	}
	if (!atomic_load_explicit(&c->tlbstate_shared.is_lazy, memory_order_relaxed))
		lazy_shoot_real_user(a);
	lm_event(EV_SHOOT, current, a->mm);
	switch_mm_irqs_off(NULL, &init_mm, NULL);
	tlbstate_left_lazy(a->mm);
}

/*
 * Models the filtered cleanup_lazy_tlbs() of the kernel series
 * (kernel/fork.c with arch_lazy_tlb_cpu_uses_mm(), arch/x86/mm/tlb.c;
 * kernel/patches-6.12/0009, 0010).
 */
static void tlbstate_cleanup(struct mm_struct *mm)
{
	uint64_t cand[NR_CPUS_MAX / 64], mask[NR_CPUS_MAX / 64] = { 0 };
	struct lazy_shoot a = { mm, lm_this->cpu };
	int n = 0, scanned = 0;

	if (lazy_mutated(MUT_NO_MMDROP_SHOOTDOWN))
		return;
	/*
	 * Orders: the final mm_count drop (and every earlier switch away) before
	 *   the mm_cpumask and loaded_mm reads below.
	 * Pairs with: switch_mm_irqs_off()'s release store of loaded_mm = next
	 *   after its CR3 write, and its late cpumask_clear_cpu(prev) after both
	 *   [pair:loaded-mm].
	 * Without it: the reads could be satisfied before the drop, from a
	 *   state in which another holder still ran the mm, and miss a CPU.
	 * Who relies on it: the filter below; a CPU read as outside the mask,
	 *   or inside it with loaded_mm naming another mm, has finished with mm.
	 */
	smp_mb();
	cpumask_snapshot(mm->cpumask, cand);
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct mm_struct *l;

		if (!((cand[cpu / 64] >> (cpu % 64)) & 1))
			continue;
		scanned++;
		/* smp_rmb() in the kernel's filter: the loaded_mm read after
		 * the bit's (acquire here; x86 orders loads anyway). */
		l = atomic_load_explicit(&cpu_of(cpu)->tlbstate.loaded_mm, memory_order_acquire);
		if (l == LOADED_MM_SWITCHING && lazy_mutated(MUT_NO_SWITCHING_TERM))
			continue;       /* the broken variant */
		if (cpu == a.initiator && lazy_mutated(MUT_SKIP_LOCAL))
			continue;       /* the broken variant */
		if (l == mm || l == LOADED_MM_SWITCHING) {
			mask[cpu / 64] |= 1ULL << (cpu % 64);
			if (cpu != a.initiator)
				n++;
		}
	}
	/* The series always runs the handler locally: current->active_mm.
	 * (teardown-skips-local removes that too, or it would change nothing.) */
	if (!lazy_mutated(MUT_SKIP_LOCAL))
		mask[a.initiator / 64] |= 1ULL << (a.initiator % 64);
	count_add(CNT_SLOTS_SCANNED, (uint64_t)scanned);
	count_add(CNT_IPI_TEARDOWN, (uint64_t)n);
	on_each_cpu_mask(mask, tlbstate_shoot, &a, 1);
	/* A CPU the filter picked that is offline got no IPI: in the offline
	 * window it still has mm loaded until idle_task_exit() (cpu.c). */
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
		if (((mask[cpu / 64] >> (cpu % 64)) & 1) && !cpu_online(cpu))
			cpuhp_wait_dying(cpu);
}

/* Most of the tlbstate mutants change x86 or core behaviour, not a hook:
 * they declare the core's mutations (machine.h). */
static const struct lazy_mutant tlbstate_mutants[] = {
	{ "flush-skips-lazy", "the freed_tables flush skips lazy CPUs",
	  "torture (I2: a lazy CPU walks a freed page table)", LM_MUT_FLUSH_SKIPS_LAZY },
	{ "no-mmdrop-shootdown", "no filtered shootdown at __mmdrop()",
	  "scenario last-exit-lazy (I1: an mm that never mapped is freed while loaded)",
	  MUT_NO_MMDROP_SHOOTDOWN },
	{ "no-lazy-return-mb", "no full barrier on the lazy return to the same mm",
	  "scenario flush-vs-lazy-return (I4: back to user with a stale tlb_gen), litmus lazy-return",
	  LM_MUT_NO_LAZY_RETURN_MB },
	{ "cpumask-clear-early", "x86 v6.11 order: the bit in mm_cpumask(prev) is cleared before the CR3 write",
	  "scenario switching-window (I3: the filter skips the switching CPU, whose switch_ldt() reads the freed mm)",
	  LM_MUT_CPUMASK_CLEAR_EARLY },
	{ "switch-ldt-late", "x86 v6.11 order: switch_ldt() reads prev after loaded_mm = next is published",
	  "scenario switch-ldt-window (I3: the freed mm is read)", LM_MUT_SWITCH_LDT_LATE },
	{ "no-switching-term", "the filter ignores CPUs whose loaded_mm is LOADED_MM_SWITCHING",
	  "scenario switching-window (I3: the switching CPU's switch_ldt() reads the freed mm)", MUT_NO_SWITCHING_TERM },
	{ "teardown-skips-local", "the filter leaves out the CPU running __mmdrop()",
	  "scenario last-exit-lazy (I11: the exiting CPU keeps the freed mm loaded)", MUT_SKIP_LOCAL },
	{ "no-dying-wait", "the filtered shootdown does not wait for a CPU in the offline window",
	  "scenario offline-window (I1/I3: the dying CPU still has the freed mm loaded)", LM_MUT_NO_DYING_WAIT },
	{ "no-mb-after-mmgrab", "v6.11 x86 smp_mb__after_mmgrab() (a no-op) with no atomic in the lazy grab",
	  "scenario membarrier-cid (I9: switch_mm_cid() on user->kernel with no full barrier)",
	  LM_MUT_NO_MB_AFTER_MMGRAB },
	{ "k2u-no-mb", "kernel->user with no full barrier after rq->curr: no lazy-return smp_mb(), none in switch_mm_cid() or the lazy drop (each alone is redundant on x86)",
	  "scenario membarrier-k2u (I9: the issuer skips the CPU on its stale rq->curr; the user access is unordered)",
	  LM_MUT_NO_LAZY_RETURN_MB | LM_MUT_NO_CID_MB | MUT_NO_DROP_MB },
	{ "ibpb-mm-pointer", "x86 v6.11 cond_mitigation(): the IBPB decision by the raw mm pointer",
	  "scenario ibpb-reuse (I13: IBPB skipped between two address spaces)", LM_MUT_IBPB_MM_POINTER },
	{ "efi-leave-active-mm", "x86 v6.11 efi_leave_mm(): back to current->active_mm",
	  "scenario efi-temp-mm (I14/I1: the freed lazy mm is loaded again)", LM_MUT_EFI_LEAVE_ACTIVE_MM },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops tlbstate_ops = {
	.name = "tlbstate",
	.desc = "Linus's proposal: cpu_tlbstate.loaded_mm only; flush + filtered shootdown at teardown",
	.role = LAZY_NORMAL,
	.x86 = { .cpumask_clear_late = true, .switch_ldt_early = true, .ibpb_ctx_id = true,
		 .efi_leave_init_mm = true },
	.grab = lazy_nop,
	.drop = tlbstate_drop,
	.drop_sched = tlbstate_drop_sched,
	.drop_offline = lazy_nop_offline,
	.left_lazy = tlbstate_left_lazy,
	.cleanup = tlbstate_cleanup,
	.mutants = tlbstate_mutants,
};
