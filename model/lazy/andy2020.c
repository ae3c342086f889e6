/*
 * andy2020 - a per-CPU tagged lazy_mm word; references only at exit.
 *
 * Follows Andy Lutomirski, "[MOCKUP] x86/mm: Lightweight lazy mm
 * refcounting" (LKML, 2 Dec 2020) and its "[RFC v2 2/2] [MOCKUP] sched/mm"
 * follow-up (3 Dec 2020): cpu_tlbstate.lazy_mm is NULL (nothing to
 * protect), mm (this CPU is lazy on mm and holds no reference: mm must not
 * be freed under it), or mm|1 (another CPU took an mm_count reference on
 * this CPU's behalf; this CPU drops it when it leaves the mm).
 *
 *   switch           MMU                  lazy tracking
 *   kernel->kernel   enter_lazy_tlb       nothing (the word stays)
 *   user  ->kernel   enter_lazy_tlb       lazy_mm = mm          per-CPU store
 *   kernel->user     switch_mm_irqs_off   xchg(lazy_mm, NULL); mmdrop if
 *                                         tagged   CPU-LOCAL RMW (a LOCK'd op:
 *                                         also membarrier's full barrier)
 *   user  ->user     switch_mm_irqs_off   none
 *   __mmput()        mm_users is 0: for each CPU in mm_cpumask whose word
 *                    is mm: mmgrab(), then cmpxchg(mm -> mm|1); if the CPU
 *                    left meanwhile, mmdrop() the reference again
 *   __mmdrop()       nothing
 *
 * No IPIs.  On bare-metal x86 the loop finds almost nobody: exit_mmap()'s
 * freed_tables flush already moved the lazy CPUs to init_mm (Andy's claim;
 * the `exit` bench workload measures it).
 *
 * The model's correction (docs/schemes.md): the loop trusts mm_cpumask, but
 * x86 v6.11's switch_mm_irqs_off() takes a CPU out of mm_cpumask(prev)
 * before its CR3 write and before switch_ldt() reads prev, while the CPU
 * still relies on the untagged word.  A teardown in that window skips the
 * CPU and the mm can be freed under it (the as-posted mutant, scenario
 * switching-window-remote-free).  As for shootdown, the CPU keeps its bit
 * until it no longer uses prev (lm.x86.cpumask_clear_late).
 *
 * Where the model puts the xchg: the kernel does it at the end of
 * switch_mm_irqs_off() when the CPU was lazy; the model does it in the hook
 * that follows each such switch (drop_sched after a kernel->user switch,
 * drop_switched in exec_mmap()/kthread_use_mm(), left_lazy after a flush
 * eviction or leave_mm(), drop_offline for a CPU that went offline).  The
 * word is only ever cleared later than the kernel clears it, never earlier.
 * A tagged mm found in irq context (flush eviction) is dropped at the next
 * hook in task context: the model's IPI handler must not free (Andy's own
 * "XXX: this can end up in __mmdrop() ... with IRQs off").
 */
#include "lazy.h"

#define MUT_NO_FIXUP                 LM_MUT_SCHEME(0)
#define MUT_TAG_WITHOUT_REF          LM_MUT_SCHEME(1)
#define MUT_UNLAZY_BEFORE_SWITCH     LM_MUT_SCHEME(2)
#define MUT_LEAK_ON_RACE             LM_MUT_SCHEME(3)

#define LAZY_TAG 1UL

/* cpu_tlbstate.lazy_mm: in the kernel, on the CPU's private tlbstate line;
 * written remotely only by a teardown's cmpxchg. */
struct a20_pcpu {
	_Atomic uintptr_t lazy_mm;
	struct mm_struct *drop_later;   /* a tagged mm seen in irq context */
} __cacheline_aligned;

static struct a20_pcpu a20[NR_CPUS_MAX];

static int a20_init(void)
{
	for (int cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
		atomic_store_explicit(&a20[cpu].lazy_mm, 0, memory_order_relaxed);
		a20[cpu].drop_later = NULL;
	}
	return 0;
}

/*
 * Models lazy_mm_grab(), called by enter_lazy_tlb() when the CPU becomes
 * lazy (irqs off).  No barrier: the caller still holds mm_users (a running
 * user task of mm, or exit_mm()/kthread_unuse_mm() before their mmput()),
 * and the teardown scan runs only after the last mm_users decrement, a
 * fully ordered RMW that every earlier decrement happens-before; so the
 * scan reads this store or a later value of the word (I7).
 */
static void a20_grab(struct mm_struct *mm)
{
	struct a20_pcpu *p = &a20[lm_this->cpu];

	if (atomic_load_explicit(&lm_this->tlbstate.loaded_mm, memory_order_relaxed) == &init_mm)
		return;         /* enter_lazy_tlb() returns early: nothing loaded */
	if (atomic_load_explicit(&p->lazy_mm, memory_order_relaxed) != 0)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: lazy_mm already set (WARN_ON_ONCE)",
			     lm_this->cpu);
	atomic_store_explicit(&p->lazy_mm, (uintptr_t)mm, memory_order_relaxed);
	count_event(CNT_STORE_SHARED);
}

/* Drop what an earlier irq-context unlazy left to this CPU. */
static void a20_drop_deferred(void)
{
	struct a20_pcpu *p = &a20[lm_this->cpu];
	struct mm_struct *mm;
	unsigned long flags;

	if (!p->drop_later)
		return;
	flags = local_irq_save();
	mm = p->drop_later;
	p->drop_later = NULL;
	local_irq_restore(flags);
	if (mm)
		mmdrop(mm);
}

/*
 * Models lazy_mm_drop(): the CPU has switched away from its lazy mm.  The
 * exchange is the only atomic on the switch path, on a CPU-local line; it
 * is LOCK'd, a full barrier.  Returns the tagged mm this CPU must mmdrop(),
 * or NULL.
 */
static struct mm_struct *a20_unlazy(struct mm_struct *mm)
{
	struct a20_pcpu *p = &a20[lm_this->cpu];
	uintptr_t prev;

	if (atomic_load_explicit(&p->lazy_mm, memory_order_relaxed) == 0)
		return NULL;    /* was not lazy (or left already) */
	prev = atomic_exchange_explicit(&p->lazy_mm, 0, memory_order_seq_cst);
	note_locked_op(CNT_RMW_LOCAL);
	if (prev && mm && (prev & ~LAZY_TAG) != (uintptr_t)mm && mm != &init_mm)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: lazy_mm held another mm than the one left",
			     lm_this->cpu);
	return (prev & LAZY_TAG) ? (struct mm_struct *)(prev & ~LAZY_TAG) : NULL;
}

/*
 * finish_task_switch(), kernel->user: the word goes, a tag is dropped.
 * Orders: the rq->curr store  before  the return to user space
 * [pair:membarrier-lazy-drop].  Pairs with membarrier()'s smp_mb() before
 * its rq->curr reads.  Without it: membarrier() skips this CPU on a stale
 * rq->curr and a user access escapes its ordering (I9).  Who relies on it:
 * membarrier(PRIVATE_EXPEDITED), as mmdrop_lazy_tlb_sched()'s barrier with
 * REFCOUNT=n.  The xchg of the unlazy is that barrier (LOCK'd) whenever
 * the word was still set; when a flush had already cleared it, an explicit
 * smp_mb() stands in, whatever x86 executed before (no skip by
 * construction, as for tlbstate).
 */
static void a20_drop_sched(struct mm_struct *mm)
{
	bool was_lazy = atomic_load_explicit(&a20[lm_this->cpu].lazy_mm, memory_order_relaxed) != 0;
	struct mm_struct *tagged = a20_unlazy(mm);

	if (!was_lazy)
		smp_mb();
	if (tagged)
		mmdrop(tagged);
	a20_drop_deferred();
}

/*
 * exec_mmap()/kthread_use_mm()/efi_enter_mm(), irqs off, on the CPU that
 * just switched.  A tag found here goes with the task: every caller runs
 * mmdrop_lazy_tlb() (a20_drop()) next, preemptible, perhaps on another CPU
 * after a migration, and that drops it.  The final __mmdrop() must not run
 * with irqs off (I12; Andy's own "XXX" on the same drop at the end of
 * switch_mm_irqs_off()).  Kept per task, not per CPU: a per-CPU slot can
 * receive a second tag before a kernel->user switch drains it when the
 * task that found the first migrated away.
 */
static void a20_drop_switched(struct mm_struct *mm)
{
	struct task_struct *cur = current;
	struct mm_struct *tagged = a20_unlazy(mm);

	if (tagged) {
		if (cur->lazy_drop)
			lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: a task carries two lazy drops",
				     lm_this->cpu);
		cur->lazy_drop = tagged;
	}
}

/* exec_mmap()/kthread_use_mm(), preemptible: membarrier scenario E's
 * barrier after tsk->mm is set (mmdrop() gave it in 2020); the tag the
 * task's drop_switched found, then this CPU's deferred drop. */
static void a20_drop(struct mm_struct *mm)
{
	struct task_struct *cur = current;
	struct mm_struct *carried = cur->lazy_drop;

	(void)mm;
	smp_mb();
	cur->lazy_drop = NULL;
	if (carried)
		mmdrop(carried);
	a20_drop_deferred();
}

/*
 * A flush eviction or leave_mm() took this CPU off its lazy mm (irqs off,
 * maybe in irq context): clear the word now, drop a tag later.  The task
 * that borrowed the mm (a kernel thread, or a task past exit_mm()) stops
 * naming it: active_mm becomes init_mm, as the 2022 series'
 * unlazy_mm_irqs_off() does.  With active_mm's refcount gone (the model's
 * step past the mockup), nothing else keeps a stale active_mm from
 * outliving the mm: the exiting CPU, evicted by exit_mmap()'s own flush
 * before __mmput()'s fixup, would run the final __mmdrop() while current
 * still names the mm (I14, __mmdrop()'s WARN_ON_ONCE).
 */
static void a20_left_lazy(struct mm_struct *mm)
{
	struct task_struct *cur = current;
	struct mm_struct *tagged = a20_unlazy(mm);

	if (cur->active_mm == mm && !cur->mm) {
		cur->active_mm = &init_mm;
		cur->active_mm_gen = 0;
	}

	if (tagged) {
		if (a20[lm_this->cpu].drop_later)
			lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: two deferred lazy drops",
				     lm_this->cpu);
		a20[lm_this->cpu].drop_later = tagged;
	}
}

/* finish_cpu(), on the controller: the dead CPU's word and deferred drop. */
static void a20_drop_offline(int dead_cpu, struct mm_struct *mm)
{
	uintptr_t prev = atomic_exchange_explicit(&a20[dead_cpu].lazy_mm, 0, memory_order_seq_cst);
	struct mm_struct *later = a20[dead_cpu].drop_later;

	(void)mm;
	note_locked_op(CNT_RMW_OTHER);
	a20[dead_cpu].drop_later = NULL;
	if (prev & LAZY_TAG)
		mmdrop((struct mm_struct *)(prev & ~LAZY_TAG));
	if (later)
		mmdrop(later);
}

/* Mutant: the word is cleared before switch_mm_irqs_off(), while the CPU
 * still has the mm loaded. */
static void a20_before_switch_mm(struct mm_struct *lazy_mm)
{
	if (lazy_mutated(MUT_UNLAZY_BEFORE_SWITCH)) {
		struct mm_struct *tagged = a20_unlazy(lazy_mm);

		if (tagged)
			a20[lm_this->cpu].drop_later = tagged;
	}
}

/*
 * Models arch_fixup_lazy_mm_refs(), called by __mmput() with mm_users == 0
 * after exit_mmap(): every CPU still lazy on mm gets a reference it will
 * drop when it leaves.  The caller holds the mm_users group's reference, so
 * mm cannot be freed during the loop.  The calling CPU is not special: it
 * is in mm_cpumask and its word is mm when exit_mm() made it lazy (I11).
 */
static void a20_mmput_last(struct mm_struct *mm)
{
	uint64_t mask[NR_CPUS_MAX / 64];
	int me = lm_this->cpu, visited = 0;

	if (lazy_mutated(MUT_NO_FIXUP))
		return;
	/* x86: for_each_cpu(mm_cpumask(mm)).  The mask read is seq_cst
	 * [pair:shootdown-mask]: a bit found clear was cleared (late) after
	 * that CPU's CR3 and switch_ldt() were done with mm. */
	cpumask_snapshot(mm->cpumask, mask);
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		_Atomic uintptr_t *w = &a20[cpu].lazy_mm;
		uintptr_t expected = (uintptr_t)mm;

		if (!((mask[cpu / 64] >> (cpu % 64)) & 1))
			continue;
		visited++;
		if (atomic_load_explicit(w, memory_order_relaxed) != (uintptr_t)mm)
			continue;
		if (cpu != me)
			sim_point(SP_LAZY_SCAN_REMOTE);
		if (!lazy_mutated(MUT_TAG_WITHOUT_REF))
			mmgrab(mm);     /* the reference the CPU will own */
		/* LOCK CMPXCHG (Andy's cmpxchg_relaxed is a full barrier on x86):
		 * the reference is taken before the tag publishes it. */
		if (atomic_compare_exchange_strong_explicit(w, &expected, (uintptr_t)mm | LAZY_TAG,
							    memory_order_seq_cst, memory_order_relaxed)) {
			note_locked_op(CNT_RMW_OTHER);
			continue;       /* the remote CPU owns the reference now */
		}
		note_locked_op(CNT_RMW_OTHER);
		/* it raced away and no longer needs it */
		if (!lazy_mutated(MUT_LEAK_ON_RACE) && !lazy_mutated(MUT_TAG_WITHOUT_REF))
			mmdrop(mm);
	}
	count_add(CNT_SLOTS_SCANNED, (uint64_t)visited);
}

static void a20_cleanup(struct mm_struct *mm)
{
	(void)mm;       /* __mmdrop(): every lazy user holds a reference by now */
}

static const struct lazy_mutant a20_mutants[] = {
	{ "as-posted-cpumask-clear-early",
	  "the posted design on x86 v6.11: a CPU leaves mm_cpumask(prev) before CR3 and switch_ldt() are done",
	  "scenario switching-window-remote-free (I3: switch_ldt() reads the freed mm)", LM_MUT_CPUMASK_CLEAR_EARLY },
	{ "no-fixup", "no arch_fixup_lazy_mm_refs() at __mmput(): lazy CPUs hold nothing",
	  "scenario last-exit-lazy (I1: freed while lazily loaded)", MUT_NO_FIXUP },
	{ "tag-without-ref", "the fixup tags the word without taking the reference",
	  "scenario last-exit-lazy (I1: mm_count reaches 0 under the lazy CPUs)", MUT_TAG_WITHOUT_REF },
	{ "unlazy-before-switch", "the word is cleared before switch_mm_irqs_off(), CR3 still holds the mm",
	  "scenario switch-race-remote-free (I3: the freed mm is read by the switch)", MUT_UNLAZY_BEFORE_SWITCH },
	{ "leak-on-race", "the fixup keeps the reference when the CPU raced away (no mmdrop)",
	  "scenario teardown-scan-race (leak: the mm is never freed)", MUT_LEAK_ON_RACE },
	{ "no-mb-after-mmgrab", "v6.11 x86 smp_mb__after_mmgrab() (a no-op) although lazy_mm_grab() is a plain store",
	  "scenario membarrier-cid (I9: switch_mm_cid() on user->kernel with no full barrier)",
	  LM_MUT_NO_MB_AFTER_MMGRAB },
	{ "efi-leave-active-mm", "x86 v6.11 efi_leave_mm(): back to current->active_mm",
	  "scenario efi-temp-mm (I14/I1: the freed lazy mm is loaded again)", LM_MUT_EFI_LEAVE_ACTIVE_MM },
	{ NULL, NULL, NULL, 0 },
};

const struct lazy_tlb_ops andy2020_ops = {
	.name = "andy2020",
	.desc = "Lutomirski Dec 2020: per-CPU tagged lazy_mm, xchg on unlazy; fixup refs at __mmput",
	.role = LAZY_NORMAL,
	/* ibpb_ctx_id: an mm may be freed while a CPU that ran it idles (after
	 * exit_mmap()'s flush evicted it, nothing holds it); efi_leave_init_mm:
	 * a kernel thread's active_mm holds no reference (efi-temp-mm) */
	.x86 = { .cpumask_clear_late = true, .ibpb_ctx_id = true, .efi_leave_init_mm = true },
	.init = a20_init,
	.grab = a20_grab,
	.drop = a20_drop,
	.drop_sched = a20_drop_sched,
	.drop_switched = a20_drop_switched,
	.drop_offline = a20_drop_offline,
	.left_lazy = a20_left_lazy,
	.before_switch_mm = a20_before_switch_mm,
	.cleanup = a20_cleanup,
	.mmput_last = a20_mmput_last,
	.mutants = a20_mutants,
	/* lazy_mm_grab() is a plain store: switch_mm_cid() owes its smp_mb() */
	.grab_full_barrier = false,
};
