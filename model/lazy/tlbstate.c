/*
 * tlbstate - Linus's proposal: cpu_tlbstate.loaded_mm is the only record.
 *
 * No lazy refcount, no use of active_mm.  What a CPU has loaded is what
 * x86 already tracks per CPU (cpu_tlbstate.loaded_mm, remotely readable),
 * and teardown relies on what x86 does anyway:
 *
 *   switch           MMU                  lazy tracking
 *   kernel->kernel   enter_lazy_tlb       nothing
 *   user  ->kernel   enter_lazy_tlb       nothing (is_lazy = true, as x86 does)
 *   kernel->user     switch_mm_irqs_off   nothing; smp_mb() only if x86 has
 *                                         not executed a full barrier since
 *                                         rq->curr was stored (membarrier)
 *   user  ->user     switch_mm_irqs_off   none
 *   exit_mmap()      the final freed_tables flush IPIs every CPU in
 *                    mm_cpumask, lazy ones included; each lazy CPU leaves
 *                    the mm for init_mm (flush_tlb_func())
 *   __mmdrop()       filtered shootdown: a waiting IPI only to CPUs whose
 *                    loaded_mm is still this mm (or LOADED_MM_SWITCHING):
 *                    an mm that never mapped anything (no flush happened),
 *                    a flush that does not interrupt lazy CPUs (broadcast
 *                    invalidation), the exiting CPU itself
 *
 * Why it is safe: once mm_users is 0 no CPU can load the mm again (I7), so
 * the set of CPUs with loaded_mm == mm only shrinks; the filter reads each
 * CPU's loaded_mm after the last user is gone and IPIs (and waits for)
 * every CPU that may still hold it.  The switch path writes nothing that
 * another CPU writes: is_lazy and loaded_mm are per-CPU lines.
 *
 * One x86 change it needs: v6.11's switch_ldt() reads prev->context.ldt
 * after loaded_mm = next is published, when this scheme's teardown no
 * longer sees the CPU; the read must move before the publish
 * (x86.switch_ldt_early; found by the SPIN model, docs/verification.md).
 */
#include "lazy.h"

#define MUT_NO_MMDROP_SHOOTDOWN LM_MUT_SCHEME(0)

/* finish_task_switch(): membarrier needs a full barrier between the
 * rq->curr store and the return to user space [pair:membarrier-lazy-drop].
 * x86 already executed one unless this switch wrote no CR3 and took no
 * lazy-return barrier: then, and only then, issue it. */
static void tlbstate_drop_sched(struct mm_struct *mm)
{
	(void)mm;
	if (this_rq()->mb_pending)
		smp_mb();
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
		lazy_shoot_nothing(a);      /* left it meanwhile */
		return;
	}
	if (!atomic_load_explicit(&c->tlbstate_shared.is_lazy, memory_order_relaxed))
		lazy_shoot_real_user(a);
	lm_event(EV_SHOOT, current, a->mm);
	switch_mm_irqs_off(NULL, &init_mm, NULL);
}

/* Models the filtered cleanup_lazy_tlbs() of the tlbstate design. */
static void tlbstate_cleanup(struct mm_struct *mm)
{
	uint64_t mask[NR_CPUS_MAX / 64] = { 0 };
	struct lazy_shoot a = { mm, lm_this->cpu };
	int n = 0;

	if (lazy_mutated(MUT_NO_MMDROP_SHOOTDOWN))
		return;
	/*
	 * Orders the final mm_count drop (and every earlier switch away)
	 * before the loaded_mm reads [pair:loaded-mm].  A CPU's store of
	 * loaded_mm = next is a release after its CR3 write, so reading
	 * anything but mm (or SWITCHING) means its CR3 no longer holds mm.
	 */
	smp_mb();
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct mm_struct *l = atomic_load_explicit(&cpu_of(cpu)->tlbstate.loaded_mm,
							   memory_order_acquire);
		if (l == mm || l == LOADED_MM_SWITCHING) {
			mask[cpu / 64] |= 1ULL << (cpu % 64);
			if (cpu != a.initiator)
				n++;
		}
	}
	count_add(CNT_SLOTS_SCANNED, (uint64_t)lm.cfg.nr_cpus);
	count_add(CNT_IPI_TEARDOWN, (uint64_t)n);
	on_each_cpu_mask(mask, tlbstate_shoot, &a, 1);
}

/* Three of the tlbstate mutants change x86 behaviour, not a hook: they
 * declare x86 mutations (machine.h). */
static const struct lazy_mutant tlbstate_mutants[] = {
	{ "flush-skips-lazy", "the freed_tables flush skips lazy CPUs",
	  "torture (I2: a lazy CPU walks a freed page table)", LM_MUT_FLUSH_SKIPS_LAZY },
	{ "no-mmdrop-shootdown", "no filtered shootdown at __mmdrop()",
	  "scenario last-exit-lazy (I1: an mm that never mapped is freed while loaded)",
	  MUT_NO_MMDROP_SHOOTDOWN },
	{ "no-lazy-return-mb", "no full barrier on the lazy return to the same mm",
	  "litmus lazy-return (I4: back to user with a stale tlb_gen)", LM_MUT_NO_LAZY_RETURN_MB },
	{ "switch-ldt-late", "x86 v6.11 order: switch_ldt() reads prev after loaded_mm = next is published",
	  "scenario switch-ldt-window (I3: the freed mm is read)", LM_MUT_SWITCH_LDT_LATE },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops tlbstate_ops = {
	.name = "tlbstate",
	.desc = "Linus's proposal: cpu_tlbstate.loaded_mm only; flush + filtered shootdown at teardown",
	.role = LAZY_NORMAL,
	.x86 = { .switch_ldt_early = true },
	.grab = lazy_nop,
	.drop = tlbstate_drop,
	.drop_sched = tlbstate_drop_sched,
	.drop_offline = lazy_nop_offline,
	.cleanup = tlbstate_cleanup,
	.mutants = tlbstate_mutants,
};
