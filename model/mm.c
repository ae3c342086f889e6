/*
 * mm.c - mm lifetime: allocation, the two counters, exit, exec, kthreads.
 *
 * Models kernel/fork.c (mm_init, mmput, __mmput, mmdrop, __mmdrop),
 * include/linux/sched/mm.h (the lazy-TLB helpers), kernel/exit.c (exit_mm),
 * fs/exec.c (exec_mmap), kernel/kthread.c (kthread_use_mm/unuse_mm) and
 * mm/mmap.c (exit_mmap, with free_pgtables + tlb_finish_mmu folded in).
 *
 * A model mm "maps memory" by owning lower-level page tables (pgtable
 * objects).  Unmapping frees them only after a freed_tables TLB flush, as
 * the mmu_gather does on bare-metal x86.
 */
#include "model.h"
#include "lazy/lazy.h"

/* mmap_write_lock(): a sleeping rwsem in the kernel; nothing in the model
 * sleeps while holding it, so a raw spinlock serves (uncounted: it is the
 * same for every scheme and not on the switch path). */
static void mmap_lock(struct mm_struct *mm)
{
	raw_spin_lock(&mm->mmap_lock, "mmap_lock");
}

static void mmap_unlock(struct mm_struct *mm)
{
	raw_spin_unlock(&mm->mmap_lock);
}

/* Models mm_alloc() + mm_init() (kernel/fork.c): both counters at 1, an
 * empty cpumask, a new pgd and a never-reused ctx_id (init_new_context()). */
struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = mm_struct_alloc();

	if (!mm)
		return NULL;
	atomic_store_explicit(&mm->id, atomic_fetch_add_explicit(&lm.next_mm_id, 1, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	mm->ctx_id = atomic_fetch_add_explicit(&lm.last_ctx_id, 1, memory_order_relaxed) + 1;
	mm->pgd = pgtable_alloc(4, mm_id(mm));
	atomic_store_explicit(&mm->mm_users, 1, memory_order_relaxed);
	atomic_store_explicit(&mm->mm_count, 1, memory_order_relaxed);
	atomic_store_explicit(&mm->tlb_gen, 0, memory_order_relaxed);
	atomic_store_explicit(&mm->flush_done_gen, 0, memory_order_relaxed);
	for (int i = 0; i < NR_CPUS_MAX / 64; i++)
		atomic_store_explicit(&mm->cpumask[i], 0, memory_order_relaxed);
	for (int i = 0; i < MM_MAX_TABLES; i++)
		atomic_store_explicit(&mm->tables[i], NULL, memory_order_relaxed);
	atomic_flag_clear_explicit(&mm->mmap_lock, memory_order_relaxed);
	mm->lazy_priv = NULL;
	/* Publish: the object is fully built before anyone gets the pointer. */
	atomic_store_explicit(&mm->state, OBJ_LIVE, memory_order_release);
	return mm;
}

/* Models dup_mm() (kernel/fork.c): the child copies the parent's page
 * tables (copy_page_range allocates the child's own). */
struct mm_struct *dup_mm(struct mm_struct *oldmm)
{
	struct mm_struct *mm = mm_alloc();
	int n = 0;

	if (!mm)
		return NULL;
	mmap_lock(oldmm);
	for (int i = 0; i < MM_MAX_TABLES; i++)
		if (atomic_load_explicit(&oldmm->tables[i], memory_order_relaxed))
			n++;
	mmap_unlock(oldmm);
	for (int i = 0; i < n; i++)
		do_mmap(mm);
	return mm;
}

/* Models mmget() (include/linux/sched/mm.h). */
void mmget(struct mm_struct *mm)
{
	if (!check_mm_live(mm, INV_MM_ALIVE, "mmget"))
		return;
	atomic_fetch_add_explicit(&mm->mm_users, 1, memory_order_relaxed);
	note_locked_op(CNT_RMW_OTHER);
}

/* Models mmget_not_zero(): no user can be added once mm_users hit 0 (I7). */
bool mmget_not_zero(struct mm_struct *mm)
{
	int old;

	if (!check_mm_live(mm, INV_MM_ALIVE, "mmget_not_zero"))
		return false;
	old = atomic_load_explicit(&mm->mm_users, memory_order_relaxed);
	do {
		if (old == 0)
			return false;
		if (old < 0) {
			/* Freed (alloc.c poisons the counters) after the check
			 * above: the caller holds no reference that keeps the
			 * mm_struct alive, which mmget_not_zero() requires. */
			lm_violation(INV_MM_ALIVE, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
				     "cpu%d: mmget_not_zero: mm%d was freed under a caller that holds no reference to it (mm_users %d)",
				     lm_this ? lm_this->cpu : -1, mm_id(mm), old);
			return false;
		}
	} while (!atomic_compare_exchange_weak_explicit(&mm->mm_users, &old, old + 1,
							memory_order_seq_cst, memory_order_relaxed));
	note_locked_op(CNT_RMW_OTHER);
	return true;
}

/* Models mmgrab(). */
void mmgrab(struct mm_struct *mm)
{
	if (mm == &init_mm)
		return;
	if (!check_mm_live(mm, INV_MM_ALIVE, "mmgrab"))
		return;
	atomic_fetch_add_explicit(&mm->mm_count, 1, memory_order_relaxed);
	note_locked_op(CNT_RMW_MM_COUNT);
}

/* Models mmdrop(): the fully ordered dec-and-test (a full barrier, which
 * membarrier relies on in finish_task_switch()). */
void mmdrop(struct mm_struct *mm)
{
	if (mm == &init_mm) {
		smp_mb();        /* init_mm is never freed; keep the barrier */
		return;
	}
	if (!check_mm_live(mm, INV_MM_ALIVE, "mmdrop"))
		return;
	if (atomic_fetch_sub_explicit(&mm->mm_count, 1, memory_order_seq_cst) == 1) {
		note_locked_op(CNT_RMW_MM_COUNT);
		__mmdrop(mm);
		return;
	}
	note_locked_op(CNT_RMW_MM_COUNT);
}

/* Models exit_mmap() (mm/mmap.c): unmap everything, free the lower page
 * tables after the final flush (tlb_finish_mmu with freed_tables). */
static void exit_mmap(struct mm_struct *mm)
{
	struct pgtable *gathered[MM_MAX_TABLES];
	int n = 0;

	lm_event(EV_EXIT_MMAP, current, mm);
	sim_point_mm(SP_EXIT_MMAP_BEFORE_FLUSH, mm);
	mmap_lock(mm);
	for (int i = 0; i < MM_MAX_TABLES; i++) {
		/* free_pgtables(): clear the pgd entry, gather the table */
		struct pgtable *t = atomic_exchange_explicit(&mm->tables[i], NULL,
							     memory_order_acq_rel);
		if (t)
			gathered[n++] = t;
	}
	mmap_unlock(mm);
	/* tlb_finish_mmu(): nothing unmapped, nothing flushed */
	if (n > 0)
		flush_tlb_mm_range(mm, true, true);
	for (int i = 0; i < n; i++)
		pgtable_free(gathered[i]);
	sim_point(SP_EXIT_MMAP_AFTER_FREE);
}

/* Models __mmput() (kernel/fork.c). */
static void __mmput(struct mm_struct *mm)
{
	int ph = lm_phase_set(PH_MMPUT);

	sim_point_mm(SP_MMPUT_LAST, mm);
	exit_mmap(mm);
	/* mm_users is 0: no CPU can begin a lazy use of mm from here (I7).
	 * Schemes that track lazy users without a reference turn them into
	 * references now (Lutomirski's designs). */
	if (lazy_ops()->mmput_last)
		lazy_ops()->mmput_last(mm);
	lm_phase_set(ph);
	mmdrop(mm);     /* the reference all mm_users held together */
}

/* Models mmput(). */
void mmput(struct mm_struct *mm)
{
	if (!check_mm_live(mm, INV_MM_ALIVE, "mmput"))
		return;
	note_locked_op(CNT_RMW_OTHER);
	if (atomic_fetch_sub_explicit(&mm->mm_users, 1, memory_order_seq_cst) == 1)
		__mmput(mm);
}

/*
 * Models __mmdrop() (kernel/fork.c): the scheme's cleanup_lazy_tlbs(),
 * then the pgd and the mm_struct are freed.  May run on any CPU, in any
 * task, including a CPU other than the one where the mm exited.
 */
void __mmdrop(struct mm_struct *mm)
{
	int ph = lm_phase_set(PH_MMDROP);

	count_event(CNT_MMDROP);
	/* I12: the final drop runs in task context with irqs on, wherever
	 * it happens (finish_task_switch() drops after local_irq_enable(),
	 * finish_cpu() on the controller, a khugepaged-like holder under a
	 * spinlock: preemption may be off, irqs may not). */
	if (irqs_disabled() || atomic_load_explicit(&lm_this->irq.in_irq, memory_order_relaxed))
		lm_violation(INV_CONTEXT, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
			     "cpu%d: final __mmdrop() of mm%d with irqs off or in an interrupt",
			     lm_this->cpu, mm_id(mm));
	/* __mmdrop()'s WARN_ON_ONCE(mm == current->active_mm): after the
	 * scheme's cleanup, below, nobody may name the mm any more (I14). */
	sim_point_mm(SP_MMDROP_BEFORE_CLEANUP, mm);
	lazy_ops()->cleanup(mm);
	sim_point_mm(SP_MMDROP_BEFORE_FREE, mm);
	if (current && current->active_mm == mm)
		lm_violation(INV_ACTIVE_MM, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
			     "cpu%d: __mmdrop(): WARN_ON_ONCE(mm == current->active_mm): mm%d freed while task %d names it",
			     lm_this->cpu, mm_id(mm), current->id);

	/* Checker: no CPU may still have this mm loaded once it is freed;
	 * the CPU running the teardown itself is I11. */
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct mm_struct *l = atomic_load_explicit(&cpu_of(cpu)->tlbstate.loaded_mm,
							   memory_order_acquire);
		if (l == mm)
			lm_violation(cpu == lm_this->cpu ? INV_SELF : INV_ROOT, mm_id(mm),
				     atomic_load_explicit(&mm->gen, memory_order_relaxed),
				     "cpu%d: __mmdrop() on cpu%d frees mm%d while cpu%d still has it loaded",
				     lm_this->cpu, lm_this->cpu, mm_id(mm), cpu);
	}
	lm_event(EV_MMDROP_FREE, current, mm);
	pgtable_free(mm->pgd);     /* mm_free_pgd() */
	mm_struct_free(mm);        /* free_mm() */
	lm_phase_set(ph);
}

/* Models mmgrab_lazy_tlb() (include/linux/sched/mm.h). */
void mmgrab_lazy_tlb(struct mm_struct *mm)
{
	/* I7: lazy users are created only by holders of mm_users. */
	if (mm != &init_mm && atomic_load_explicit(&mm->mm_users, memory_order_relaxed) == 0)
		lm_violation(INV_RESURRECT, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
			     "cpu%d: lazy grab of mm%d after mm_users reached 0",
			     lm_this->cpu, mm_id(mm));
	lm_event(EV_GRAB, current, mm);
	lazy_ops()->grab(mm);
}

/* Models mmdrop_lazy_tlb(). */
void mmdrop_lazy_tlb(struct mm_struct *mm)
{
	lm_event(EV_DROP, current, mm);
	lazy_ops()->drop(mm);
}

/* Models mmdrop_lazy_tlb_sched(). */
void mmdrop_lazy_tlb_sched(struct mm_struct *mm)
{
	lm_event(EV_DROP, current, mm);
	lazy_ops()->drop_sched(mm);
}

/* task_lock(): a spinlock, so preemption is off while it is held.  The
 * model's tasks are preempted only at explicit points, so only the
 * barrier matters: on x86 the LOCK'd acquire is the smp_mb__after_spinlock()
 * of membarrier scenario D/E. */
static void task_lock(struct task_struct *t)
{
	(void)t;
	preempt_disable();
	note_locked_op(CNT_RMW_OTHER);
	/* the lock's LOCK'd acquire: orders the task's earlier user accesses
	 * before tsk->mm changes [pair:membarrier-curr] (scenarios D and E) */
	lm_fence();
}

static void task_unlock(struct task_struct *t)
{
	(void)t;
	preempt_enable();
}

/*
 * Models exit_mm() (kernel/exit.c): the exiting task becomes a lazy user of
 * its own mm, then drops its user reference (maybe the last one).
 * Differs: the lazy grab is taken with irqs off (as the hazard-pointer RFC
 * moved it); for a refcount that changes nothing.
 */
void exit_mm(void)
{
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->mm;

	if (!mm)
		return;
	task_lock(tsk);
	local_irq_disable();
	mmgrab_lazy_tlb(mm);
	if (mm != tsk->active_mm)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "exit_mm: mm != active_mm");
	tsk->mm = NULL;
	enter_lazy_tlb(mm, tsk);
	sim_point(SP_EXIT_MM_IRQS_OFF);
	local_irq_enable();
	task_unlock(tsk);
	lm_event(EV_EXIT_MM, tsk, mm);
	sim_point(SP_EXIT_MM_LAZY);
	mmput(mm);
}

/* exec_mmap() and kthread_use_mm(), under task_lock() with irqs off: tsk
 * takes mm as its own (tsk->mm, tsk->active_mm); returns the active_mm it
 * had (a kernel thread's lazy mm, or a user task's old mm). */
static struct mm_struct *task_take_mm(struct task_struct *tsk, struct mm_struct *mm)
{
	struct mm_struct *active_mm = tsk->active_mm;

	tsk->active_mm = mm;
	tsk->active_mm_gen = atomic_load_explicit(&mm->gen, memory_order_relaxed);
	tsk->mm = mm;
	return active_mm;
}

/* The tail of exec_mmap() for a kernel thread: drop the lazy mm it had.
 * Runs preemptible, possibly on another CPU than the switch. */
static void exec_mmap_lazy_drop(struct task_struct *tsk)
{
	struct mm_struct *active_mm = tsk->exec_lazy_mm;

	tsk->exec_lazy_mm = NULL;
	mmdrop_lazy_tlb(active_mm);
}


/*
 * Models exec_mmap() (fs/exec.c).  v6.11 x86 does not select
 * ARCH_WANT_IRQS_OFF_ACTIVATE_MM, so irqs come back on before activate_mm()
 * (which disables them itself); a scheme may ask for the IRQs-off variant
 * (lm.x86.irqs_off_activate_mm).  Returns 1 when the task was preempted
 * before the lazy drop: its continuation runs wherever it is scheduled
 * next.
 */
int exec_mmap(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *old_mm = tsk->mm, *active_mm;

	task_lock(tsk);
	membarrier_exec_mmap(mm);
	local_irq_disable();
	active_mm = task_take_mm(tsk, mm);
	membarrier_note_mm_store();     /* activate_mm()'s CR3 write orders it (I9) */
	if (!lm.x86.irqs_off_activate_mm)
		local_irq_enable();
	/* the window: active_mm is the new mm, the old lazy one still loaded */
	sim_point(SP_EXEC_BEFORE_ACTIVATE);
	switch_mm(active_mm, mm, tsk);            /* activate_mm() */
	if (lm.x86.irqs_off_activate_mm)
		local_irq_enable();
	if (!old_mm && lazy_ops()->drop_switched) {
		/* Per-CPU schemes release the lazy mm here, on the CPU that just
		 * switched away from it, before preemption is possible. */
		unsigned long flags = local_irq_save();
		lazy_ops()->drop_switched(active_mm);
		local_irq_restore(flags);
	}
	task_unlock(tsk);
	lm_event(EV_EXEC, tsk, mm);
	if (old_mm) {
		mmput(old_mm);
		return 0;
	}
	sim_point(SP_EXEC_AFTER_ACTIVATE);
	tsk->exec_lazy_mm = active_mm;
	if (lm.hooks.preempt &&
	    lm.hooks.preempt(tsk, SP_EXEC_AFTER_ACTIVATE) >= 0) {
		tsk->cont = exec_mmap_lazy_drop;    /* runs where it is scheduled next */
		return 1;
	}
	exec_mmap_lazy_drop(tsk);
	return 0;
}

/* The tail of kthread_use_mm(): the lazy drop, preemptible, possibly on
 * another CPU than the switch (like exec_mmap_lazy_drop()). */
static void kthread_use_mm_lazy_drop(struct task_struct *tsk)
{
	struct mm_struct *active_mm = tsk->exec_lazy_mm;

	tsk->exec_lazy_mm = NULL;
	/* Also the barrier membarrier scenario E needs after tsk->mm is set. */
	mmdrop_lazy_tlb(active_mm);
}

/*
 * Models kthread_use_mm() (kernel/kthread.c).  The switch and the
 * active_mm update are one irqs-off region: a teardown IPI for the old
 * lazy mm sees either both or neither.  After it the lazy drop runs
 * preemptible: returns 1 when the kthread was preempted (and maybe
 * migrated) before it; the drop then runs in its continuation.
 */
int kthread_use_mm(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *active_mm;

	mmgrab(mm);
	task_lock(tsk);
	local_irq_disable();
	active_mm = task_take_mm(tsk, mm);
	membarrier_update_current_mm(mm);
	membarrier_note_mm_store();
	if (lm_mutated(LM_MUT_KTHREAD_USE_IRQS_ON))
		local_irq_enable();     /* the broken variant: an IPI may land here */
	sim_point(SP_KTHREAD_USE_BEFORE_SWITCH);
	if (lm_mutated(LM_MUT_KTHREAD_USE_IRQS_ON))
		local_irq_disable();
	switch_mm_irqs_off(active_mm, mm, tsk);
	if (lazy_ops()->drop_switched)
		lazy_ops()->drop_switched(active_mm);
	local_irq_enable();
	task_unlock(tsk);
	lm_event(EV_USE_MM, tsk, mm);
	sim_point(SP_KTHREAD_USE_AFTER_SWITCH);
	/* Also the barrier membarrier scenario E needs after tsk->mm is set;
	 * on x86 switch_mm_irqs_off() already gave one (CR3, or the lazy
	 * return's smp_mb()): I9 is checked at the next user access. */
	tsk->exec_lazy_mm = active_mm;
	if (lm.hooks.preempt &&
	    lm.hooks.preempt(tsk, SP_KTHREAD_USE_AFTER_SWITCH) >= 0) {
		tsk->cont = kthread_use_mm_lazy_drop;
		return 1;
	}
	kthread_use_mm_lazy_drop(tsk);
	return 0;
}

/* Models kthread_unuse_mm(). */
void kthread_unuse_mm(struct mm_struct *mm)
{
	struct task_struct *tsk = current;

	task_lock(tsk);
	local_irq_disable();
	tsk->mm = NULL;
	membarrier_update_current_mm(NULL);
	mmgrab_lazy_tlb(mm);       /* active_mm stays mm: now a lazy use */
	enter_lazy_tlb(mm, tsk);
	local_irq_enable();
	task_unlock(tsk);
	lm_event(EV_UNUSE_MM, tsk, mm);
	mmdrop(mm);
}

/* A page fault or mmap that needs a new lower-level page table. */
int do_mmap(struct mm_struct *mm)
{
	int ret = -1;

	mmap_lock(mm);
	for (int i = 0; i < MM_MAX_TABLES; i++) {
		if (atomic_load_explicit(&mm->tables[i], memory_order_relaxed))
			continue;
		/* Release: the table is initialized before a walker sees it. */
		atomic_store_explicit(&mm->tables[i], pgtable_alloc(1, mm_id(mm)), memory_order_release);
		ret = 0;
		break;
	}
	mmap_unlock(mm);
	return ret;
}

/* Models munmap() of a range whose page table becomes empty: clear the
 * entry, flush with freed_tables, then free the table (mmu_gather). */
void do_munmap(struct mm_struct *mm)
{
	struct pgtable *t = NULL;

	mmap_lock(mm);
	for (int i = 0; i < MM_MAX_TABLES && !t; i++)
		t = atomic_exchange_explicit(&mm->tables[i], NULL, memory_order_acq_rel);
	mmap_unlock(mm);
	if (!t) {
		flush_tlb_mm_range(mm, false, false);   /* only PTEs changed */
		return;
	}
	flush_tlb_mm_range(mm, false, true);
	pgtable_free(t);
}
