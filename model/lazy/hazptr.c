/*
 * hazptr - a per-CPU hazard pointer protects each CPU's lazy mm.
 *
 * Follows Mathieu Desnoyers' RFC v3 "sched+mm: Track lazy active mm
 * existence with hazard pointers" (Oct 2024), built on libhazptr's per-CPU
 * slot domain (one slot per CPU: a CPU has at most one lazy mm, I6).
 *
 *   switch           MMU                  lazy tracking
 *   kernel->kernel   enter_lazy_tlb       slot keeps the mm (handed over)
 *   user  ->kernel   enter_lazy_tlb       smp_mb(); slot = mm      (per-CPU line)
 *   kernel->user     switch_mm_irqs_off   smp_mb(); slot = NULL later
 *   user  ->user     switch_mm_irqs_off   none
 *   teardown         __mmdrop(): scan every CPU's slot; for each CPU
 *                    holding the mm, a waiting IPI moves it to init_mm and
 *                    clears its slot, then a second one checks (RFC v3)
 *
 * The two calling-context problems the kernel's build robot found, and how
 * this scheme stays correct in them:
 *  - exec_mmap() and kthread_use_mm() drop the old lazy mm in preemptible
 *    context, so the task may run on another CPU by then: clearing "this
 *    CPU's" slot would clear the wrong one.  Here the slot is cleared by
 *    drop_switched(), with irqs off, on the CPU that switched away;
 *    drop() is only the barrier.  The exec path also keeps irqs off across
 *    activate_mm() (ARCH_WANT_IRQS_OFF_ACTIVATE_MM), since the shootdown
 *    keys on current->active_mm, which exec updates before the switch.
 *  - the final mmdrop() can be reached with preemption disabled (a
 *    khugepaged-style holder under a spinlock): the scan never sleeps and
 *    only sends waiting IPIs, which need irqs on, not preemption.
 * Hot-plug: finish_cpu() runs on the controller, so the dead CPU's slot is
 * cleared by index (drop_offline), not "this CPU's".
 */
#include <errno.h>
#include <hazptr.h>

#include "lazy.h"

#define MUT_NO_SCAN                 LM_MUT_SCHEME(0)
#define MUT_CLEAR_BEFORE_SWITCH     LM_MUT_SCHEME(1)
#define MUT_EXEC_DROP_AFTER_MIGRATE LM_MUT_SCHEME(2)
#define MUT_SKIP_LOCAL              LM_MUT_SCHEME(3)
#define MUT_SCAN_ASSERTS_PREEMPT    LM_MUT_SCHEME(4)
#define MUT_GRAB_NO_MB              LM_MUT_SCHEME(5)

static struct hazptr_pcpu_domain *lazy_mm_domain;
/* Each CPU's one slot, learnt at init (a slot never moves). */
static struct hazptr_pcpu_slot *cpu_slot[NR_CPUS_MAX];

/* Clear cpu's slot if it holds mm.  A slot is written only by its own CPU
 * (or, for a dead CPU, by the controller in finish_cpu()), so the check
 * and the clear cannot race with another writer. */
static void clear_slot(int cpu, struct mm_struct *mm)
{
	if (hazptr_pcpu_load(lazy_mm_domain, (unsigned int)cpu, 0) != mm)
		return;
	hazptr_pcpu_clear(cpu_slot[cpu], mm);
	count_event(CNT_STORE_SHARED);
	count_event(CNT_ST_HAZARD);
}

static int hazptr_scheme_init(void)
{
	static char probe;

	lazy_mm_domain = hazptr_pcpu_domain_create((unsigned int)lm.cfg.nr_cpus, 1);
	if (!lazy_mm_domain)
		return -1;
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		cpu_slot[cpu] = hazptr_pcpu_try_protect(lazy_mm_domain, (unsigned int)cpu, &probe);
		if (!cpu_slot[cpu])
			return -1;
		hazptr_pcpu_clear(cpu_slot[cpu], &probe);
	}
	return 0;
}

static void hazptr_scheme_fini(void)
{
	/* Every CPU went offline and finish_cpu() cleared its slot: a slot
	 * still set names an mm nobody accounts for (a broken variant's, e.g.
	 * efi-leave-active-mm).  Report it (I6) and empty it, so that the
	 * domain can be destroyed and the run ends with the report. */
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		void *held = hazptr_pcpu_load(lazy_mm_domain, (unsigned int)cpu, 0);

		if (!held)
			continue;
		lm_violation(INV_ONE_LAZY, -1, 0, "cpu%d: hazard slot still holds an mm after shutdown", cpu);
		hazptr_pcpu_clear(cpu_slot[cpu], held);
	}
	hazptr_pcpu_domain_destroy(lazy_mm_domain);
	lazy_mm_domain = NULL;
}

/* Models the RFC's mmgrab_lazy_tlb(): smp_mb(), then publish in this CPU's
 * slot.  Called with irqs off (the RFC moved exit_mm()'s call there). */
static void hazptr_grab(struct mm_struct *mm)
{
	/*
	 * Orders: the rq->curr store and the task's user accesses  before  the
	 * slot store [pair:hazptr-slot]; the RFC keeps it for membarrier and
	 * switch_mm_cid(), which relied on mmgrab()'s atomic.  It does not
	 * make the slot store itself visible sooner: what guarantees a scan
	 * sees the slot is that the teardown can only start after the last
	 * user of mm has exited, which happens-after this CPU stopped running
	 * it (the runqueue hand-over's locked operations, then the exiting
	 * task's fully ordered mm_users drop), and the scan's own smp_mb().
	 * x86: MFENCE/LOCK OR.  It is also switch_mm_cid()'s barrier on
	 * user->kernel [pair:mm-cid-curr] (grab_full_barrier).
	 */
	if (!lazy_mutated(MUT_GRAB_NO_MB))
		smp_mb();
	if (!hazptr_pcpu_try_protect(lazy_mm_domain, (unsigned int)lm_this->cpu, mm)) {
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0,
			     "cpu%d: hazard slot busy: a second lazy mm on one CPU", lm_this->cpu);
		return;
	}
	count_event(CNT_STORE_SHARED);
	count_event(CNT_ST_HAZARD);
}

/* Models the RFC's mmdrop_lazy_tlb_sched(): smp_mb(), then clear this
 * CPU's slot.  finish_task_switch() runs on the CPU that switched away. */
static void hazptr_drop_sched(struct mm_struct *mm)
{
	/* [pair:membarrier-lazy-drop], and the switch away (CR3) before the
	 * slot is emptied [pair:hazptr-slot]. */
	smp_mb();
	clear_slot(lm_this->cpu, mm);
}

/* exec_mmap()/kthread_use_mm(), irqs off, right after the switch away. */
static void hazptr_drop_switched(struct mm_struct *mm)
{
	if (lazy_mutated(MUT_EXEC_DROP_AFTER_MIGRATE))
		return;          /* the RFC's placement: dropped later, see below */
	smp_mb();
	clear_slot(lm_this->cpu, mm);
}

/* exec_mmap()/kthread_use_mm(), preemptible: maybe on another CPU now. */
static void hazptr_drop(struct mm_struct *mm)
{
	smp_mb();
	if (lazy_mutated(MUT_EXEC_DROP_AFTER_MIGRATE)) {
		/* RFC v2/v3: this_cpu_write(slot, NULL) — whatever this CPU's
		 * slot protects now, which after a migration is not mm */
		void *held = hazptr_pcpu_load(lazy_mm_domain, (unsigned int)lm_this->cpu, 0);
		if (held)
			hazptr_pcpu_clear(cpu_slot[lm_this->cpu], held);
	}
	(void)mm;
}

static void hazptr_drop_offline(int dead_cpu, struct mm_struct *mm)
{
	clear_slot(dead_cpu, mm);
}

/* The clear-before-switch mutant: the slot goes while mm is still loaded. */
static void hazptr_before_switch_mm(struct mm_struct *lazy_mm)
{
	if (lazy_mutated(MUT_CLEAR_BEFORE_SWITCH)) {
		smp_mb();
		clear_slot(lm_this->cpu, lazy_mm);
	}
}

/* The RFC's do_shoot_lazy_tlb(): switch to init_mm, clear the local slot. */
static void hp_shoot_lazy(void *info)
{
	const struct lazy_shoot *a = info;

	if (lazy_shoot_lazy_tlb(a))
		clear_slot(lm_this->cpu, a->mm);
}

/* The second IPI is do_check_lazy_tlb(): always on in RFC v3. */
static void on_match(void *arg, unsigned int cpu, struct hazptr_pcpu_slot *slot, void *addr)
{
	struct lazy_shoot *a = arg;

	(void)slot;
	(void)addr;
	if ((int)cpu == a->initiator && lazy_mutated(MUT_SKIP_LOCAL))
		return;                 /* the broken variant */
	if ((int)cpu != a->initiator)
		count_add(CNT_IPI_TEARDOWN, 2);
	if (smp_call_function_single((int)cpu, hp_shoot_lazy, a, 1) == -ENXIO) {
		/* offline: in the offline window it may still have mm loaded
		 * (model/cpu.c); its slot goes at finish_cpu() */
		cpuhp_wait_dying((int)cpu);
		return;
	}
	smp_call_function_single((int)cpu, do_check_lazy_tlb, a, 1);
}

/* Models the RFC's cleanup_lazy_tlbs(): hazptr_scan() with a callback. */
static void hazptr_lazy_cleanup(struct mm_struct *mm)
{
	struct lazy_shoot a = { mm, lm_this->cpu };

	if (lazy_mutated(MUT_SCAN_ASSERTS_PREEMPT))
		lockdep_assert_preemption_enabled("hazptr_scan (RFC v3)");
	if (lazy_mutated(MUT_NO_SCAN))
		return;
	/* The scan's own full barrier pairs with hazptr_grab()'s
	 * [pair:hazptr-slot]; "Store A" (unpublishing mm) is implicit: no
	 * lazy use of mm can begin once mm_users is 0 (I7). */
	hazptr_pcpu_scan(lazy_mm_domain, mm, on_match, &a);
	count_add(CNT_SLOTS_SCANNED, (uint64_t)lm.cfg.nr_cpus);
}

static const struct lazy_mutant hazptr_mutants[] = {
	{ "no-scan", "no hazard-slot scan at __mmdrop()",
	  "scenario last-exit-lazy (I1: the lazy CPU keeps the freed mm)", MUT_NO_SCAN },
	{ "clear-before-switch", "slot cleared before the CPU has switched away from the mm",
	  "scenario switch-race (I1/I3: freed while still loaded)", MUT_CLEAR_BEFORE_SWITCH },
	{ "exec-drop-after-migrate", "the exec path clears the current CPU's slot after a migration",
	  "scenario kthread-exec-preempt (I1/I6: the old CPU's slot stays, the new CPU's lazy mm loses its)",
	  MUT_EXEC_DROP_AFTER_MIGRATE },
	{ "rfc-v3", "RFC v3 as posted: irqs on across exec's activate_mm(); exec and kthread_use_mm() clear this CPU's slot after a possible migration",
	  "scenario exec-irqs-on-window (I3), kthread-exec-preempt, kthread-use-preempt (I1)",
	  LM_MUT_IRQS_ON_ACTIVATE_MM | MUT_EXEC_DROP_AFTER_MIGRATE },
	{ "irqs-on-activate-mm", "x86 v6.11 exec_mmap(): irqs on between active_mm = mm and activate_mm()",
	  "scenario exec-irqs-on-window (I3: the scan's IPI sees the new active_mm; the old mm is freed while loaded)",
	  LM_MUT_IRQS_ON_ACTIVATE_MM },
	{ "kthread-use-irqs-on", "kthread_use_mm() lets an IPI in between active_mm = mm and the switch",
	  "scenario kthread-use-window (I3: the old lazy mm is freed while loaded)", LM_MUT_KTHREAD_USE_IRQS_ON },
	{ "teardown-skips-local", "the scan skips the slot of the CPU running __mmdrop()",
	  "scenario last-exit-lazy (I11: the exiting CPU keeps the freed mm loaded)", MUT_SKIP_LOCAL },
	{ "scan-asserts-preemptible", "RFC v3 hazptr_scan(): lockdep_assert_preemption_enabled() (the robot's second failure)",
	  "scenario mmdrop-other-cpu (I12: the final mmdrop under a spinlock)", MUT_SCAN_ASSERTS_PREEMPT },
	{ "no-dying-wait", "the scan does not wait for a CPU in the offline window (its IPI was refused)",
	  "scenario offline-window (I1/I3: the dying CPU still has the freed mm loaded)", LM_MUT_NO_DYING_WAIT },
	{ "grab-no-mb", "the lazy grab without its smp_mb(): nothing orders rq->curr before switch_mm_cid()'s loads",
	  "scenario membarrier-cid (I9: switch_mm_cid() on user->kernel with no full barrier)", MUT_GRAB_NO_MB },
	{ "ibpb-mm-pointer", "x86 v6.11 cond_mitigation(): the IBPB decision by the raw mm pointer",
	  "scenario ibpb-reuse (I13: IBPB skipped between two address spaces)", LM_MUT_IBPB_MM_POINTER },
	{ "efi-leave-active-mm", "x86 v6.11 efi_leave_mm(): back to current->active_mm",
	  "scenario efi-temp-mm (I14/I1: the freed lazy mm is loaded again)", LM_MUT_EFI_LEAVE_ACTIVE_MM },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops hazptr_ops = {
	.name = "hazptr",
	.desc = "RFC v3 (Desnoyers 2024): per-CPU hazard slot; scan + IPI at __mmdrop",
	.role = LAZY_NORMAL,
	.x86 = { .irqs_off_activate_mm = true, .ibpb_ctx_id = true, .efi_leave_init_mm = true },
	.grab_full_barrier = true,       /* the RFC's smp_mb() in the grab */
	.init = hazptr_scheme_init,
	.fini = hazptr_scheme_fini,
	.grab = hazptr_grab,
	.drop = hazptr_drop,
	.drop_sched = hazptr_drop_sched,
	.drop_switched = hazptr_drop_switched,
	.drop_offline = hazptr_drop_offline,
	.before_switch_mm = hazptr_before_switch_mm,
	.cleanup = hazptr_lazy_cleanup,
	.mutants = hazptr_mutants,
};
