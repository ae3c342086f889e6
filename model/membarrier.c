/*
 * membarrier.c - membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) and what it
 * needs from the scheduler, the exec path and the lazy-mm helpers.
 *
 * Models kernel/sched/membarrier.c (v6.11): membarrier_private_expedited(),
 * ipi_mb(), the registration, membarrier_exec_mmap(), and the helpers of
 * kernel/sched/sched.h and include/linux/sched/mm.h the scheduler calls
 * (membarrier_switch_mm(), membarrier_update_current_mm()).
 *
 * The guarantee (the membarrier(2) man page): when membarrier() returns,
 * every thread of the caller's process that ran on some CPU in the
 * meantime has passed a full barrier that orders its user-space accesses
 * against the caller's.  The issuer gets that by reading every CPU's
 * rq->curr after its own smp_mb() and interrupting the CPUs that run the
 * process; a CPU it does not interrupt must order its own accesses: a full
 * barrier between the store that makes it run the process (rq->curr, or
 * tsk->mm in exec and kthread_use_mm()) and its next user-space access.
 *
 * The checker (I9, INV_MEMBARRIER) is barrier accounting on every CPU plus
 * the issuer's TSO worst case: while a CPU's rq->curr store is not yet
 * ordered by a full barrier, the issuer's read may return the previous
 * task (x86 keeps the store in the store buffer; only a barrier forces it
 * out).  The scan acts on that value, so a deterministic scenario that
 * parks a CPU between its rq->curr store and its barrier shows the
 * forbidden outcome whenever the barrier is missing:
 *
 *   CPU 1 (idle -> user task of mm)       CPU 0 (membarrier(), same mm)
 *     rq->curr = task                      user store x = 1
 *     (no full barrier: still buffered)    smp_mb()
 *                                          read rq->curr of CPU 1: idle
 *                                          -> no IPI; smp_mb(); return
 *     user load of x: may be the old 0     user load of y ...
 *
 * Reported: a user access with rq->curr unfenced (and, if an issuer
 * skipped this CPU on the stale read, that outcome); switch_mm_cid()'s
 * loads without the barrier it relies on; a CPU the issuer interrupted
 * that executed no full barrier (ipi_mb()); the issuer's rq->curr reads
 * before its earlier user accesses are ordered; a user access after
 * membarrier() returned without its final barrier.
 */
#include "model.h"

#define MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY  (1 << 0)
#define MEMBARRIER_STATE_PRIVATE_EXPEDITED        (1 << 1)

/* The scheduler's side, called right after rq->curr = next (schedule()):
 * the store membarrier reads.  Only a change of rq->curr->mm needs a full
 * barrier before the next user access (same mm: the issuer sends the IPI
 * either way). */
void membarrier_note_curr_store(struct rq *rq, struct task_struct *prev, struct task_struct *next)
{
	struct lm_cpu *c = lm_this;

	if (prev->mm == next->mm)
		return;
	rq->mb_pending = true;
	atomic_store_explicit(&c->mb.curr_prev, prev, memory_order_relaxed);
	/* release: a remote reader that sees the flag sees curr_prev */
	atomic_store_explicit(&c->mb.curr_unfenced, 1, memory_order_release);
}

/* exec_mmap(), kthread_use_mm(): tsk->mm = mm is the store an issuer
 * reads (p->mm) when rq->curr does not change. */
void membarrier_note_mm_store(void)
{
	this_rq()->mb_pending = true;
}

void membarrier_violation_here(const char *site)
{
	struct lm_cpu *c = lm_this;
	struct task_struct *cur = current;
	struct mm_struct *mm = cur->mm;

	lm_violation(INV_MEMBARRIER, mm ? mm_id(mm) : -1, 0,
		     "cpu%d: %s: no full barrier since rq->curr (or tsk->mm) changed to a task of mm%d",
		     c->cpu, site, mm ? mm_id(mm) : -1);
}

/*
 * A user-space access by current (touch_user_memory()).  Every barrier the
 * kernel relies on between a store membarrier reads and user space must
 * have run; and a membarrier() that returned must have ended with its
 * smp_mb().
 */
void membarrier_user_access(void)
{
	struct lm_cpu *c = lm_this;
	struct mm_struct *mm = current->mm;

	if (c->rq.mb_pending) {
		struct mm_struct *stale = atomic_load_explicit(&c->mb.stale_mm, memory_order_acquire);
		uint64_t seq = atomic_load_explicit(&c->mb.stale_seq, memory_order_relaxed);

		if (mm && stale == mm && seq == atomic_load_explicit(&c->mb.seq, memory_order_relaxed))
			lm_violation(INV_MEMBARRIER, mm_id(mm), 0,
				     "cpu%d: user access of mm%d not ordered against a membarrier() that read this CPU's rq->curr before its store was fenced, and sent no IPI",
				     c->cpu, mm_id(mm));
		else
			membarrier_violation_here("user access");
	}
	if (c->mb.exit_pending)
		lm_violation(INV_MEMBARRIER, mm ? mm_id(mm) : -1, 0,
			     "cpu%d: user access after membarrier() returned without its final smp_mb()",
			     c->cpu);
	c->mb.user_unfenced = true;
}

/* Models ipi_mb() (membarrier.c). */
static void ipi_mb(void *info)
{
	(void)info;
	/* Orders: this CPU's user accesses before and after the interrupt
	 * [pair:membarrier-curr].  Pairs with the issuer's two smp_mb().
	 * Without it: an access of the interrupted thread is ordered against
	 * neither barrier of the issuer (the kernel: "IPIs should be
	 * serializing but paranoid").  Who relies on it: membarrier users. */
	if (!lm_mutated(LM_MUT_MB_IPI_NO_MB))
		smp_mb();
}

/* The issuer's read of rq->curr, as TSO lets it see it: the previous task
 * while the target's store is not yet ordered by a full barrier. */
static struct task_struct *membarrier_read_curr(struct lm_cpu *t, struct mm_struct *mm)
{
	uint64_t seq = atomic_load_explicit(&t->mb.seq, memory_order_acquire);
	struct task_struct *p = atomic_load_explicit(&t->rq.curr, memory_order_acquire);
	struct task_struct *prev;

	if (!atomic_load_explicit(&t->mb.curr_unfenced, memory_order_acquire))
		return p;
	prev = atomic_load_explicit(&t->mb.curr_prev, memory_order_relaxed);
	if (p && p->mm == mm && (!prev || prev->mm != mm)) {
		/* the checker's record: this issuer skipped t on a stale read */
		atomic_store_explicit(&t->mb.stale_seq, seq, memory_order_relaxed);
		atomic_store_explicit(&t->mb.stale_mm, mm, memory_order_release);
	}
	return prev;
}

/* Models membarrier_register_private_expedited(): the mm's state; the
 * runqueues' copies are synced by the scheduler (membarrier_switch_mm()). */
void membarrier_register_private_expedited(struct mm_struct *mm)
{
	atomic_fetch_or_explicit(&mm->membarrier_state, MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY |
				 MEMBARRIER_STATE_PRIVATE_EXPEDITED, memory_order_seq_cst);
	if (lm_this && current->mm == mm)
		this_rq()->membarrier_state = atomic_load_explicit(&mm->membarrier_state,
								   memory_order_relaxed);
}

/*
 * Models membarrier_private_expedited() (membarrier.c), without the
 * SYNC_CORE and RSEQ flavours and the single-CPU target.  Returns 0, or
 * -1 (EPERM) if the mm did not register.
 */
int membarrier_private_expedited(void)
{
	struct lm_cpu *c = lm_this;
	struct mm_struct *mm = current->mm;
	uint64_t mask[NR_CPUS_MAX / 64] = { 0 };
	uint64_t seq[NR_CPUS_MAX];

	if (!(atomic_load_explicit(&mm->membarrier_state, memory_order_relaxed) &
	      MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY))
		return -1;
	count_event(CNT_MEMBARRIER);
	if (atomic_load_explicit(&mm->mm_users, memory_order_relaxed) == 1 || lm.cfg.nr_cpus == 1)
		return 0;
	/*
	 * Orders: the caller's earlier user accesses  before  the rq->curr
	 * reads below [pair:membarrier-curr].  Pairs with the full barrier
	 * every CPU executes between its rq->curr store and user space
	 * (schedule(), switch_mm_cid(), the lazy return).  Without it: a CPU
	 * whose store we do not see yet reads our user stores' old values
	 * (the system call entry is not a barrier).  Relied on by every
	 * membarrier user (liburcu's urcu-memb, the hazptr library's
	 * membarrier mode).
	 */
	if (!lm_mutated(LM_MUT_MB_NO_ENTRY_MB))
		smp_mb();
	if (c->mb.user_unfenced)
		lm_violation(INV_MEMBARRIER, mm_id(mm), 0,
			     "cpu%d: membarrier() reads rq->curr before the caller's earlier user accesses are ordered",
			     c->cpu);
	preempt_disable();
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct lm_cpu *t = cpu_of(cpu);
		struct task_struct *p;

		if (cpu == c->cpu)
			continue;
		p = membarrier_read_curr(t, mm);   /* rcu_dereference(cpu_rq(cpu)->curr) */
		if (p && p->mm == mm) {
			mask[cpu / 64] |= 1ULL << (cpu % 64);
			seq[cpu] = atomic_load_explicit(&t->mb.seq, memory_order_acquire);
		}
	}
	smp_call_function_many(mask, ipi_mb, NULL, 1);
	preempt_enable();
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		if (!(mask[cpu / 64] >> (cpu % 64) & 1))
			continue;
		/* acquire pairs with the target's release in lm_full_barrier_done() */
		if (atomic_load_explicit(&cpu_of(cpu)->mb.seq, memory_order_acquire) == seq[cpu] &&
		    !atomic_load_explicit(&lm.abort, memory_order_relaxed))
			lm_violation(INV_MEMBARRIER, mm_id(mm), 0,
				     "cpu%d: membarrier(): cpu%d runs mm%d and executed no full barrier during the call",
				     c->cpu, cpu, mm_id(mm));
	}
	/*
	 * Orders: the IPIs' completion  before  the caller's later user
	 * accesses [pair:membarrier-curr] (the system call exit is not a
	 * barrier).  Without it: the caller reads a value older than a
	 * remote thread's access ordered by ipi_mb().
	 */
	c->mb.exit_pending = true;
	if (!lm_mutated(LM_MUT_MB_NO_EXIT_MB))
		smp_mb();
	return 0;
}

/*
 * Models membarrier_switch_mm() (kernel/sched/sched.h), called by
 * context_switch() before switch_mm_irqs_off() on a switch to a user task:
 * keep rq->membarrier_state the next mm's.  It compares the raw pointers:
 * prev_mm is prev->active_mm, which a scheme that frees an mm while a
 * kernel thread still names it can leave dangling, and an mm allocated at
 * the same address then looks like "the same mm" (ABA, I9).
 */
void membarrier_switch_mm(struct rq *rq, struct mm_struct *prev_mm, uint32_t prev_gen,
			  struct mm_struct *next_mm)
{
	int state;

	if (prev_mm == next_mm) {
		if (next_mm != &init_mm &&
		    prev_gen != atomic_load_explicit(&next_mm->gen, memory_order_relaxed) &&
		    rq->membarrier_state != atomic_load_explicit(&next_mm->membarrier_state,
								  memory_order_relaxed))
			lm_violation(INV_MEMBARRIER, mm_id(next_mm), prev_gen,
				     "cpu%d: membarrier_switch_mm(): prev == next by address only (a freed mm's address reused): rq->membarrier_state %d kept, mm%d's is %d",
				     lm_this->cpu, rq->membarrier_state, mm_id(next_mm),
				     atomic_load_explicit(&next_mm->membarrier_state, memory_order_relaxed));
		return;
	}
	state = atomic_load_explicit(&next_mm->membarrier_state, memory_order_relaxed);
	if (rq->membarrier_state != state)
		rq->membarrier_state = state;
}

/* Models membarrier_update_current_mm() (kernel/sched/sched.h). */
void membarrier_update_current_mm(struct mm_struct *next_mm)
{
	this_rq()->membarrier_state = next_mm ?
		atomic_load_explicit(&next_mm->membarrier_state, memory_order_relaxed) : 0;
}

/* Models membarrier_exec_mmap() (membarrier.c): exec starts with a fresh
 * state.  Its smp_mb() keeps the old image's accesses before the reset. */
void membarrier_exec_mmap(struct mm_struct *mm)
{
	/* Orders: the old image's user accesses  before  the state reset
	 * [pair:membarrier-curr].  Pairs with the issuer's state read and
	 * smp_mb().  Without it: an access of the old image escapes a
	 * membarrier() that saw the reset state.  Who relies on it:
	 * membarrier users across exec. */
	smp_mb();
	atomic_store_explicit(&mm->membarrier_state, 0, memory_order_relaxed);
	this_rq()->membarrier_state = 0;
}
