/*
 * andy2022 - rq->lazy_mm hazard pointers; references handed over at exit.
 *
 * Follows Andy Lutomirski, "[PATCH 16/23] sched: Use lightweight hazard
 * pointers to grab lazy mms" and "[PATCH 22/23] x86/mm: Optimize
 * for_each_possible_lazymm_cpu()" of "[PATCH 00/23] mm, sched: Rework lazy
 * mm handling" (LKML, 8 Jan 2022; Peter Zijlstra's June 2021 RFC of the same
 * idea).  Each runqueue has two words:
 *   rq->lazy_mm  a hazard pointer: the mm this CPU borrows lazily;
 *   rq->drop_mm  an mm whose mm_count reference this rq holds and drops
 *                once it no longer borrows it.
 *
 *   switch           MMU                  lazy tracking
 *   kernel->kernel   enter_lazy_tlb       nothing
 *   user  ->kernel   enter_lazy_tlb       WRITE_ONCE(lazy_mm, mm): no barrier
 *   kernel->user     switch_mm_irqs_off   smp_store_release(lazy_mm, NULL);
 *                                         mmdrop_lazy(): drop drop_mm if it
 *                                         is set and not lazy_mm (a load)
 *   user  ->user     switch_mm_irqs_off   none
 *   __mmput()        mm_users is 0: mm_unlazy_mm_count(): for each CPU in
 *                    mm_cpumask (x86, patch 22; all online CPUs generically)
 *                    whose lazy_mm is mm, hand it one reference of a batch
 *                    (one atomic_add of num_possible_cpus(), one atomic_sub
 *                    of the unused rest) through the drop_mm cmpxchg
 *                    protocol, with the re-load of lazy_mm that closes the
 *                    ABA race the patch describes
 *   __mmdrop()       nothing; no IPIs anywhere
 *
 * Where the model departs (docs/schemes.md):
 *  - the release of lazy_mm on kernel->user is in finish_task_switch()
 *    (drop_sched), not right after switch_mm_irqs_off() in context_switch():
 *    later, never earlier; mmdrop_lazy() runs at the model's lazy hooks
 *    (kernel->user, exec/kthread_use_mm, offline), not after every switch,
 *    so a reference handed to a CPU that had already left the mm can live
 *    until that CPU's next kernel->user switch (Andy: "Strictly speaking, no
 *    action at all is required here");
 *  - a flush eviction (unlazy_mm_irqs_off() in x86 patch 21) releases
 *    lazy_mm in the IPI but leaves mmdrop_lazy() to the next switch: the
 *    model's IPI handler must not free;
 *  - hot-unplug (the patch's "XXX"): finish_cpu() clears the dead rq's
 *    words and drops its drop_mm on the controller;
 *  - the same x86 correction as andy2020: patch 22 trusts mm_cpumask, which
 *    x86 v6.11 clears before CR3 and switch_ldt() are done with prev while
 *    lazy_mm still protects it; the CPU keeps its bit until then
 *    (lm.x86.cpumask_clear_late; mutant as-posted-cpumask-clear-early).
 */
#include "lazy.h"

#define MUT_NO_UNLAZY                LM_MUT_SCHEME(0)
#define MUT_NO_LAZY_RELOAD           LM_MUT_SCHEME(1)
#define MUT_RELEASE_BEFORE_SWITCH    LM_MUT_SCHEME(2)

struct a22_rq {
	_Atomic(struct mm_struct *) lazy_mm;
	_Atomic(struct mm_struct *) drop_mm;
} __cacheline_aligned;

static struct a22_rq a22[NR_CPUS_MAX];

static int a22_init(void)
{
	for (int cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
		atomic_store_explicit(&a22[cpu].lazy_mm, NULL, memory_order_relaxed);
		atomic_store_explicit(&a22[cpu].drop_mm, NULL, memory_order_relaxed);
	}
	return 0;
}

/*
 * context_switch() user->kernel, __change_current_mm_to_kernel() (exit_mm,
 * kthread_unuse_mm): irqs off.  No barrier (the patch's argument): the task
 * still holds mm_users, __mmput() cannot run before its mmput(), and the
 * last mm_users decrement is fully ordered after this store, so the scan
 * reads it or a later value.
 */
static void a22_grab(struct mm_struct *mm)
{
	struct a22_rq *rq = &a22[lm_this->cpu];

	if (atomic_load_explicit(&rq->lazy_mm, memory_order_relaxed))
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: rq->lazy_mm already set (SCHED_WARN_ON)",
			     lm_this->cpu);
	atomic_store_explicit(&rq->lazy_mm, mm, memory_order_relaxed);
	count_event(CNT_STORE_SHARED);
}

/* smp_store_release(&rq->lazy_mm, NULL): the switch away from the mm (CR3,
 * switch_ldt()) is ordered before the hazard pointer goes [pair:a22-lazy]. */
static void a22_release(void)
{
	atomic_store_explicit(&a22[lm_this->cpu].lazy_mm, NULL, memory_order_release);
	count_event(CNT_STORE_SHARED);
}

/* Models mmdrop_lazy(rq): drop the reference handed to this rq unless it
 * still borrows that mm.  A relaxed cmpxchg loop on this CPU's rq line. */
static void a22_mmdrop_lazy(void)
{
	struct a22_rq *rq = &a22[lm_this->cpu];
	struct mm_struct *old = atomic_load_explicit(&rq->drop_mm, memory_order_relaxed);

	do {
		if (likely(!old || old == atomic_load_explicit(&rq->lazy_mm, memory_order_relaxed)))
			return;
		note_locked_op(CNT_RMW_LOCAL);
	} while (!atomic_compare_exchange_weak_explicit(&rq->drop_mm, &old, NULL,
							memory_order_relaxed, memory_order_relaxed));
	mmdrop(old);
}

/*
 * finish_task_switch() after kernel->user.
 * Orders: the rq->curr store  before  the return to user space
 * [pair:membarrier-lazy-drop].  Pairs with membarrier()'s smp_mb() before
 * its rq->curr reads.  Without it: membarrier() skips this CPU on a stale
 * rq->curr and a user access escapes its ordering (I9).  Who relies on it:
 * membarrier(PRIVATE_EXPEDITED); the series makes this barrier explicit
 * (membarrier_finish_switch_mm()), so it is issued always, whatever x86
 * executed before (redundant on x86 with the CR3 write or the lazy
 * return's smp_mb(), as tlbstate's).
 */
static void a22_drop_sched(struct mm_struct *mm)
{
	(void)mm;
	a22_release();
	smp_mb();
	a22_mmdrop_lazy();
}

/* __change_current_mm() from a kernel thread (exec, kthread_use_mm), irqs
 * off, on the CPU that switched. */
static void a22_drop_switched(struct mm_struct *mm)
{
	(void)mm;
	a22_release();
}

/* exec_mmap()/kthread_use_mm() later, preemptible: the explicit membarrier
 * barrier of the series (scenario E), then this rq's pending drop. */
static void a22_drop(struct mm_struct *mm)
{
	(void)mm;
	smp_mb();
	a22_mmdrop_lazy();
}

/* unlazy_mm_irqs_off() after a flush eviction or leave_mm(): active_mm
 * becomes init_mm and the hazard pointer goes (the drop waits, see above). */
static void a22_left_lazy(struct mm_struct *mm)
{
	struct task_struct *cur = current;

	if (cur->active_mm == mm && !cur->mm) {
		cur->active_mm = &init_mm;
		cur->active_mm_gen = 0;
	}
	a22_release();
}

/* finish_cpu(), on the controller. */
static void a22_drop_offline(int dead_cpu, struct mm_struct *mm)
{
	struct mm_struct *old;

	(void)mm;
	atomic_store_explicit(&a22[dead_cpu].lazy_mm, NULL, memory_order_release);
	old = atomic_exchange_explicit(&a22[dead_cpu].drop_mm, NULL, memory_order_acq_rel);
	note_locked_op(CNT_RMW_OTHER);
	if (old)
		mmdrop(old);
}

/* Mutant: the hazard pointer goes before switch_mm_irqs_off(). */
static void a22_before_switch_mm(struct mm_struct *lazy_mm)
{
	(void)lazy_mm;
	if (lazy_mutated(MUT_RELEASE_BEFORE_SWITCH))
		a22_release();
}

/* Models __try_mm_drop_rq_ref(): hand one of our references to mm to rq.
 * False: a cmpxchg lost a race; the caller tries again. */
static bool a22_try_drop_rq_ref(struct a22_rq *rq, struct mm_struct *mm)
{
	struct mm_struct *old = atomic_load_explicit(&rq->drop_mm, memory_order_acquire);

	if (old == mm)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: drop_mm already holds mm%d",
			     lm_this->cpu, mm_id(mm));
	if (!old) {
		bool ok = atomic_compare_exchange_strong_explicit(&rq->drop_mm, &old, mm,
								  memory_order_seq_cst,
								  memory_order_relaxed);
		note_locked_op(CNT_RMW_OTHER);
		return ok;
	}
	/*
	 * drop_mm is taken by old, an mm whose mm_users is 0 too.  Re-load
	 * lazy_mm now, after knowing mm's mm_users is 0: the earlier load
	 * (which saw mm) may predate this rq switching to old and becoming lazy
	 * on it, and old's own teardown then handing it drop_mm (the ABA race
	 * of the patch's comment).  Acquire pairs with the release of lazy_mm
	 * [pair:a22-lazy].
	 */
	if (!lazy_mutated(MUT_NO_LAZY_RELOAD) &&
	    atomic_load_explicit(&rq->lazy_mm, memory_order_acquire) != mm) {
		mmdrop(mm);     /* rq stopped using mm: our reference is not needed */
		return true;
	}
	/* rq still borrows mm, so not old: steal its reference to old */
	if (!atomic_compare_exchange_strong_explicit(&rq->drop_mm, &old, mm,
						     memory_order_seq_cst, memory_order_relaxed)) {
		note_locked_op(CNT_RMW_OTHER);
		return false;
	}
	note_locked_op(CNT_RMW_OTHER);
	mmdrop(old);
	return true;
}

/* Models mm_unlazy_mm_count(), called by __mmput() after exit_mmap(). */
static void a22_mmput_last(struct mm_struct *mm)
{
	uint64_t mask[NR_CPUS_MAX / 64];
	int me = lm_this->cpu, visited = 0, drop_count = 0;

	if (lazy_mutated(MUT_NO_UNLAZY))
		return;
	/* for_each_possible_lazymm_cpu() = mm_cpumask(mm) on x86 (patch 22);
	 * seq_cst read [pair:shootdown-mask], see andy2020. */
	cpumask_snapshot(mm->cpumask, mask);
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct a22_rq *rq = &a22[cpu];
		uint64_t deadline = 0;
		unsigned int tries = 0;

		if (!((mask[cpu / 64] >> (cpu % 64)) & 1))
			continue;
		visited++;
		if (atomic_load_explicit(&rq->lazy_mm, memory_order_acquire) != mm)
			continue;
		if (cpu != me)
			sim_point(SP_LAZY_SCAN_REMOTE);
		if (!drop_count) {
			/* a batch: at most two RMWs on mm_count per teardown */
			drop_count = lm.cfg.nr_cpus;
			atomic_fetch_add_explicit(&mm->mm_count, drop_count, memory_order_relaxed);
			note_locked_op(CNT_RMW_MM_COUNT);
		}
		drop_count--;
		while (!a22_try_drop_rq_ref(rq, mm)) {
			/* lock-free: each failure is another CPU's progress */
			if ((++tries & 63) == 0) {
				if (!deadline)
					deadline = lm_deadline();
				if (lm_wait_expired(deadline, "mm_unlazy_mm_count: drop_mm"))
					return;
			}
		}
	}
	if (drop_count) {
		/* cannot reach 0: the caller holds the mm_users group's reference */
		atomic_fetch_sub_explicit(&mm->mm_count, drop_count, memory_order_release);
		note_locked_op(CNT_RMW_MM_COUNT);
	}
	count_add(CNT_SLOTS_SCANNED, (uint64_t)visited);
}

static void a22_cleanup(struct mm_struct *mm)
{
	(void)mm;
}

static const struct lazy_mutant a22_mutants[] = {
	{ "as-posted-cpumask-clear-early",
	  "patch 22 on x86 v6.11: a CPU leaves mm_cpumask(prev) before CR3 and switch_ldt() are done",
	  "scenario switching-window-remote-free (I3: switch_ldt() reads the freed mm)", LM_MUT_CPUMASK_CLEAR_EARLY },
	{ "no-unlazy", "no mm_unlazy_mm_count() at __mmput(): hazard pointers nobody reads",
	  "scenario last-exit-lazy (I1: freed while lazily loaded)", MUT_NO_UNLAZY },
	{ "no-lazy-reload", "drop_mm taken: steal it on the strength of the earlier lazy_mm load",
	  "scenario teardown-scan-race (I1: the other mm is freed under the CPU lazy on it)", MUT_NO_LAZY_RELOAD },
	{ "release-before-switch", "lazy_mm = NULL before switch_mm_irqs_off(), CR3 still holds the mm",
	  "scenario switch-race-remote-free (I3: the freed mm is read by the switch)", MUT_RELEASE_BEFORE_SWITCH },
	{ "no-mb-after-mmgrab", "v6.11 x86 smp_mb__after_mmgrab() (a no-op) although the lazy_mm store is plain",
	  "scenario membarrier-cid (I9: switch_mm_cid() on user->kernel with no full barrier)",
	  LM_MUT_NO_MB_AFTER_MMGRAB },
	{ "efi-leave-active-mm", "x86 v6.11 efi_leave_mm(): back to current->active_mm",
	  "scenario efi-temp-mm (I14/I1: the freed lazy mm is loaded again)", LM_MUT_EFI_LEAVE_ACTIVE_MM },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops andy2022_ops = {
	.name = "andy2022",
	.desc = "Lutomirski Jan 2022: rq->lazy_mm hazard pointer + drop_mm; refs handed over at __mmput",
	.role = LAZY_NORMAL,
	/* efi_leave_init_mm: a kernel thread's active_mm holds no reference,
	 * so efi_leave_mm() must not return to it (scenario efi-temp-mm);
	 * ibpb_ctx_id: an mm may be freed while a CPU that ran it idles */
	.x86 = { .cpumask_clear_late = true, .irqs_off_activate_mm = true /* patch 23 */,
		 .ibpb_ctx_id = true, .efi_leave_init_mm = true },
	.init = a22_init,
	.grab = a22_grab,
	.drop = a22_drop,
	.drop_sched = a22_drop_sched,
	.drop_switched = a22_drop_switched,
	.drop_offline = a22_drop_offline,
	.left_lazy = a22_left_lazy,
	.before_switch_mm = a22_before_switch_mm,
	.cleanup = a22_cleanup,
	.mmput_last = a22_mmput_last,
	.mutants = a22_mutants,
	/* the lazy_mm store is plain: switch_mm_cid() owes its smp_mb() */
	.grab_full_barrier = false,
};
