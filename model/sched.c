/*
 * sched.c - the scheduler: runqueues, wake-ups, the context switch.
 *
 * Models kernel/sched/core.c (v6.11): __schedule(), context_switch(),
 * finish_task_switch(), try_to_wake_up(), do_task_dead(), idle_task_exit(),
 * and kernel/cpu.c:finish_cpu().  The scheduling policy is a per-CPU FIFO
 * (not CFS): lazy-mm tracking does not depend on which task is picked, only
 * on the kind of switch (user/kernel) and where it happens.
 *
 * Departures (docs/model.md): tasks have no stacks.  A CPU thread runs the
 * current task's step function and calls schedule() between steps, so
 * "switch_to" is the return to the CPU loop and finish_task_switch(prev)
 * runs right after context_switch() on the same host thread, in the
 * context of the next task (`current` changes at the switch_to point).
 */
#include <errno.h>
#include <stdlib.h>

#include "model.h"
#include "lazy/lazy.h"

/* The scheduler's locks (rq->lock, p->pi_lock): counted, the same for
 * every scheme. */
static void sched_lock(atomic_flag *l, const char *what)
{
	raw_spin_lock(l, what);
	count_event(CNT_LOCK);
}

static void rq_lock(struct rq *rq)
{
	sched_lock(&rq->lock, "rq->lock");
	count_event(CNT_LOCK_RQ);
}

static void rq_unlock(struct rq *rq)
{
	raw_spin_unlock(&rq->lock);
}

static void enqueue_task(struct rq *rq, struct task_struct *p)
{
	p->rq_next = NULL;
	if (rq->tail)
		rq->tail->rq_next = p;
	else
		rq->head = p;
	rq->tail = p;
	atomic_fetch_add_explicit(&rq->nr_queued, 1, memory_order_relaxed);
}

static struct task_struct *dequeue_head(struct rq *rq)
{
	struct task_struct *p = rq->head;

	if (!p)
		return NULL;
	rq->head = p->rq_next;
	if (!rq->head)
		rq->tail = NULL;
	p->rq_next = NULL;
	atomic_fetch_sub_explicit(&rq->nr_queued, 1, memory_order_relaxed);
	return p;
}

/* Models activate_task() + resched_curr() on cpu's runqueue.  An idle
 * target polls need_resched (TIF_POLLING_NRFLAG), so no IPI is needed. */
void activate_task_on(struct task_struct *p, int cpu)
{
	struct rq *rq = &cpu_of(cpu)->rq;
	unsigned long flags = local_irq_save();

	rq_lock(rq);
	while (unlikely(!rq->online)) {
		/* an offline CPU's runqueue takes nothing (set_rq_offline(),
		 * select_fallback_rq()): another online CPU runs it */
		rq_unlock(rq);
		cpu = cpuhp_fallback_cpu(cpu);
		rq = &cpu_of(cpu)->rq;
		rq_lock(rq);
	}
	p->cpu = cpu;
	p->on_rq = 1;
	enqueue_task(rq, p);
	atomic_store_explicit(&rq->need_resched, 1, memory_order_release);
	rq_unlock(rq);
	local_irq_restore(flags);
}

int select_task_rq(struct task_struct *p, int hint)
{
	if (hint >= 0 && hint < lm.cfg.nr_cpus)
		return hint;
	return p->cpu;
}

/*
 * Models try_to_wake_up() (core.c).  pi_lock serializes it against the
 * deactivation decision in __schedule(); if the task is still on its CPU
 * (deactivated but not yet switched out) we wait for on_cpu to drop, as
 * the kernel's smp_cond_load_acquire(&p->on_cpu, !VAL) does.
 */
void try_to_wake_up(struct task_struct *p, int cpu_hint)
{
	int ph = lm_phase_set(PH_WAKE);
	unsigned long flags = local_irq_save();
	struct lm_wait w = LM_WAIT("try_to_wake_up: p->on_cpu");

	sched_lock(&p->pi_lock, "pi_lock");
	if (!(atomic_load_explicit(&p->state, memory_order_relaxed) & TASK_INTERRUPTIBLE))
		goto out;
	atomic_store_explicit(&p->state, TASK_RUNNING, memory_order_release);
	if (p->on_rq)
		goto out;           /* __schedule() has not deactivated it: it stays */
	/* Acquire pairs with the release in finish_task() [pair:on-cpu]. */
	while (atomic_load_explicit(&p->on_cpu, memory_order_acquire))
		if (!lm_wait_step(&w))
			goto out;
	activate_task_on(p, select_task_rq(p, cpu_hint));
out:
	raw_spin_unlock(&p->pi_lock);
	local_irq_restore(flags);
	lm_phase_set(ph);
}

/* Models wake_up_new_task(). */
void wake_up_new_task(struct task_struct *p, int cpu)
{
	atomic_store_explicit(&p->state, TASK_RUNNING, memory_order_relaxed);
	activate_task_on(p, select_task_rq(p, cpu));
}

struct task_struct *task_alloc(unsigned int flags, task_step_fn step, void *prog)
{
	struct task_struct *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->id = atomic_fetch_add_explicit(&lm.next_task_id, 1, memory_order_relaxed) + 1;
	t->flags = flags;
	t->step = step;
	t->prog = prog;
	t->cpu = 0;
	t->migrate_to = -1;
	atomic_flag_clear(&t->pi_lock);
	atomic_store_explicit(&t->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	task_register(t);
	return t;
}

/*
 * Models finish_task_switch() (core.c): runs on the CPU that just switched,
 * in the context of the new task.  The lazy mm handed over in rq->prev_mm
 * is dropped only now, after switch_mm_irqs_off() loaded the next mm (I6).
 */
void finish_task_switch(struct task_struct *prev)
{
	struct rq *rq = this_rq();
	struct mm_struct *mm = rq->prev_mm;
	uint32_t mm_gen = rq->prev_mm_gen;
	int prev_state = atomic_load_explicit(&prev->state, memory_order_relaxed);
	int migrate_to = prev->migrate_to;

	rq->prev_mm = NULL;
	/* finish_task(): release pairs with try_to_wake_up()'s acquire
	 * [pair:on-cpu]: prev's state is saved before another CPU runs it. */
	atomic_store_explicit(&prev->on_cpu, 0, memory_order_release);
	rq_unlock(rq);                  /* finish_lock_switch() */
	if (unlikely(mm && lm_mutated(LM_MUT_DROP_IRQS_OFF))) {
		/* the broken variant: the lazy drop (maybe the final mmdrop)
		 * before irqs are back on; the kernel drops after, since
		 * __mmdrop() may send waiting IPIs (I12) */
		if (!lazy_ops()->drop_derefs_mm ||
		    check_mm(mm, mm_gen, INV_MM_ALIVE, "finish_task_switch: mmdrop_lazy_tlb_sched(rq->prev_mm)"))
			mmdrop_lazy_tlb_sched(mm);
		mm = NULL;
	}
	local_irq_enable();

	if (migrate_to >= 0) {
		/* a preemption that moves prev: queue it on its new CPU now that
		 * it is off this one (the model's load balancer) */
		prev->migrate_to = -1;
		lm_event(EV_MIGRATE, prev, NULL);
		activate_task_on(prev, migrate_to);
	}

	sim_point(SP_FINISH_BEFORE_DROP);
	if (mm) {
		struct task_struct *cur = current;

		/* membarrier_mm_sync_core_before_usermode(): dereferences mm
		 * only when it is current's own mm. */
		if (cur->mm == mm)    /* then mm is current's own, live mm */
			check_mm_live(mm, INV_MM_ALIVE,
				      "finish_task_switch: membarrier_mm_sync_core_before_usermode");
		if (lazy_ops()->drop_derefs_mm &&
		    !check_mm(mm, mm_gen, INV_MM_ALIVE,
			      "finish_task_switch: mmdrop_lazy_tlb_sched(rq->prev_mm)"))
			mm = NULL;              /* reported; do not touch it */
		if (mm)
			mmdrop_lazy_tlb_sched(mm);
	}
	if (prev_state == TASK_DEAD)
		put_task_struct(prev);  /* put_task_struct_rcu_user() */
	/* Back to user space: membarrier needs a full barrier since rq->curr
	 * changed mm (I9). */
	if (current->mm && rq->mb_pending)
		membarrier_violation_here("finish_task_switch: return to user space");
	if (lm.cfg.switch_work_ns)
		lm_spin_ns(lm.cfg.switch_work_ns);
}

/*
 * Models switch_mm_cid() (kernel/sched/sched.h, v6.11, CONFIG_SCHED_MM_CID),
 * called by context_switch() after the mm switch: the loads of
 * {prev,next}->mm->pcpu_cid[cpu] must follow a full barrier after the
 * rq->curr store whenever rq->curr->mm changes [pair:mm-cid-curr] (they
 * pair with sched_mm_cid_remote_clear(), which reads rq->curr after
 * marking a cid lazy-put).  Which barrier, per transition:
 *   user->kernel   smp_mb__after_mmgrab(): the atomic in mmgrab() (a no-op
 *                  on x86 after a LOCK'd RMW).  A scheme whose lazy grab is
 *                  no full barrier (lazy.h: grab_full_barrier) owes an
 *                  explicit smp_mb() here; none owes it too, since the
 *                  barrier is mm_cid's, not lazy tracking's.
 *   kernel->user   smp_mb(), always, for every scheme.
 *   user->user     smp_mb__after_switch_mm(): switch_mm()'s CR3 write when
 *                  the mm changes (a no-op on x86); none if it does not.
 * The cid allocation itself (mm_cid_get()/mm_cid_put_lazy()) is not
 * modeled: it touches only per-mm per-CPU lines, the same for every scheme.
 */
static void switch_mm_cid(struct rq *rq, struct task_struct *prev, struct task_struct *next)
{
	if (!next->mm) {                                /* to kernel */
		/*
		 * smp_mb__after_mmgrab() with no atomic before it.
		 * Orders: the rq->curr store  before  the pcpu_cid loads
		 * [pair:mm-cid-curr].  Pairs with sched_mm_cid_remote_clear()'s
		 * cid store then rq->curr load.  Without it: both sides miss
		 * each other and a cid is used by two tasks.  Who relies on
		 * it: mm_cid (rseq's cpu-local ids).
		 */
		if (prev->mm && !lazy_ops()->grab_full_barrier &&
		    !lm_mutated(LM_MUT_NO_MB_AFTER_MMGRAB))
			smp_mb();
	} else if (!prev->mm) {                         /* kernel -> user */
		/* Orders, pairs with, relies: as above [pair:mm-cid-curr]; also
		 * membarrier's barrier before user space [pair:membarrier-curr]
		 * (redundant on x86 with the lazy return's or CR3). */
		if (!lm_mutated(LM_MUT_NO_CID_MB))
			smp_mb();
	}
	/* the pcpu_cid loads: I9 if no full barrier followed rq->curr's store */
	if (prev->mm != next->mm && rq->mb_pending)
		membarrier_violation_here("switch_mm_cid: pcpu_cid load");
}

/*
 * Models context_switch() (core.c), called with the rq lock held and irqs
 * off, after rq->curr = next.  The four cases:
 *
 *   prev -> next     MMU                       lazy reference
 *   kernel->kernel   enter_lazy_tlb            handed over (active_mm)
 *   user  ->kernel   enter_lazy_tlb            mmgrab_lazy_tlb(prev's mm)
 *   kernel->user     switch_mm_irqs_off        rq->prev_mm, dropped later
 *   user  ->user     switch_mm_irqs_off        none
 */
void context_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next)
{
	/* the phase by switch type (predict's templates); schedule() restores */
	if (!next->mm)
		lm_phase_set(prev->mm ? PH_CS_UK : PH_CS_KK);
	else if (prev->mm)
		lm_phase_set(prev->mm == next->mm ? PH_CS_UU_SAME : PH_CS_UU_DIFF);
	else
		lm_phase_set(atomic_load_explicit(&lm_this->tlbstate.loaded_mm, memory_order_relaxed) ==
			     next->mm ? PH_CS_KU_SAME : PH_CS_KU_DIFF);
	if (!next->mm) {                                /* to kernel */
		enter_lazy_tlb(prev->active_mm, next);
		next->active_mm = prev->active_mm;
		next->active_mm_gen = prev->active_mm_gen;
		if (prev->mm) {                         /* from user */
			count_event(CNT_CS_USER_KERNEL);
			lm_event(EV_SWITCH_UK, next, prev->active_mm);
			mmgrab_lazy_tlb(prev->active_mm);
		} else {
			count_event(CNT_CS_KERNEL_KERNEL);
			lm_event(EV_SWITCH_KK, next, prev->active_mm);
			prev->active_mm = NULL;
		}
	} else {                                        /* to user */
		membarrier_switch_mm(rq, prev->active_mm, prev->active_mm_gen, next->mm);
		if (unlikely(lazy_ops()->before_switch_mm != NULL) && !prev->mm)
			lazy_ops()->before_switch_mm(prev->active_mm);
		sim_point(SP_CTXSW_BEFORE_SWITCH_MM);
		switch_mm_irqs_off(prev->active_mm, next->mm, next);
		if (!prev->mm) {                        /* from kernel */
			count_event(CNT_CS_KERNEL_USER);
			lm_event(EV_SWITCH_KU, next, prev->active_mm);
			rq->prev_mm = prev->active_mm;
			rq->prev_mm_gen = prev->active_mm_gen;
			prev->active_mm = NULL;
		} else {
			count_event(CNT_CS_USER_USER);
			lm_event(EV_SWITCH_UU, next, next->mm);
		}
	}
	/* switch_mm_cid() requires the memory barriers above. */
	switch_mm_cid(rq, prev, next);
	/* switch_to(): from here on this CPU runs next */
	rq->current_task = next;
	sim_point(SP_CTXSW_AFTER_SWITCH);
	finish_task_switch(prev);
}

/*
 * Models __schedule() (core.c).  The rq lock's acquire is a LOCK'd RMW on
 * x86: the smp_mb__after_spinlock() that membarrier needs between the
 * user-space accesses before and the rq->curr store.
 */
void schedule(void)
{
	struct lm_cpu *c = lm_this;
	struct rq *rq = &c->rq;
	struct task_struct *prev = current, *next;
	int ph = lm_phase_set(PH_SCHED);

	local_irq_disable();
	rq_lock(rq);
	if (atomic_load_explicit(&lm.abort, memory_order_relaxed)) {
		rq_unlock(rq);
		local_irq_enable();
		lm_phase_set(ph);
		return;
	}
	/* smp_mb__after_spinlock(): user-space accesses before, the rq->curr
	 * store after [pair:membarrier-curr] (membarrier() reads rq->curr after
	 * its own smp_mb()).  x86: the lock's LOCK'd acquire, counted with it. */
	lm_fence();
	lm_full_barrier_done();
	if (prev != rq->idle) {
		sched_lock(&prev->pi_lock, "pi_lock");
		if (atomic_load_explicit(&prev->state, memory_order_relaxed) != TASK_RUNNING)
			prev->on_rq = 0;                 /* deactivate_task() */
		else if (prev->migrate_to < 0)
			enqueue_task(rq, prev);          /* stays runnable here */
		else
			prev->on_rq = 1;                 /* moved after the switch */
		raw_spin_unlock(&prev->pi_lock);
	}
	next = dequeue_head(rq);
	if (!next)
		next = rq->idle;
	atomic_store_explicit(&rq->need_resched, 0, memory_order_relaxed);

	if (next == prev) {
		rq_unlock(rq);
		local_irq_enable();
		lm_phase_set(ph);
		return;
	}
	atomic_store_explicit(&next->on_cpu, 1, memory_order_relaxed);
	next->cpu = c->cpu;
	/* membarrier: when rq->curr->mm changes, a full barrier must follow
	 * this store before user space runs (switch_mm's CR3 write, the lazy
	 * return's smp_mb(), switch_mm_cid()'s smp_mb(), the lazy drop's
	 * barrier) [pair:membarrier-lazy-drop] [pair:membarrier-curr]; the
	 * checker notes the store (membarrier.c). */
	membarrier_note_curr_store(rq, prev, next);
	atomic_store_explicit(&rq->curr, next, memory_order_relaxed);
	sim_point(SP_SCHED_CURR_STORED);
	context_switch(rq, prev, next);
	lm_phase_set(ph);
}

/* Models do_task_dead(): the last schedule() of an exited task. */
void do_task_dead(void)
{
	atomic_store_explicit(&current->state, TASK_DEAD, memory_order_relaxed);
	schedule();
}

/*
 * Models idle_task_exit() (core.c): the dying CPU's idle task leaves its
 * lazy mm for init_mm and deliberately drops nothing; finish_cpu() on
 * another CPU does the drop.
 */
void idle_task_exit(void)
{
	struct task_struct *idle = current;
	struct mm_struct *mm = idle->active_mm;

	lm_event(EV_OFFLINE, idle, mm);
	if (atomic_load_explicit(&lm_this->tlbstate.loaded_mm, memory_order_relaxed) != &init_mm)
		switch_mm(mm, &init_mm, idle);
}

/* Models finish_cpu() (kernel/cpu.c): on the controlling CPU, after the CPU
 * died, hand its idle task init_mm and drop the lazy mm it held. */
void finish_cpu(int dead_cpu)
{
	struct task_struct *idle = cpu_of(dead_cpu)->rq.idle;
	struct mm_struct *mm = idle->active_mm;
	uint32_t gen = idle->active_mm_gen;

	if (mm != &init_mm) {
		idle->active_mm = &init_mm;
		idle->active_mm_gen = 0;
	}
	if (lazy_ops()->drop_derefs_mm && mm != &init_mm &&
	    !check_mm(mm, gen, INV_MM_ALIVE, "finish_cpu: mmdrop_lazy_tlb(idle->active_mm)"))
		return;
	lazy_ops()->drop_offline(dead_cpu, mm);
}

static void idle_step(struct lm_cpu *c)
{
	if (atomic_load_explicit(&c->hp.state, memory_order_relaxed) != CPUHP_ONLINE) {
		/* offline: no chaos, no driver idle work; the shutdown still
		 * needs this CPU's idle loop */
		lm_idle_offline(c);
		lm_irq_poll();
		spin_backoff(c->idle_spins++);
		return;
	}
	sim_point(SP_IDLE);
	lm_idle_offline(c);
	if (lm.hooks.idle)
		lm.hooks.idle(c);
	lm_irq_poll();
	spin_backoff(c->idle_spins++);
}

/*
 * The CPU's main loop: run the current task one step at a time, schedule
 * between steps, idle when nothing is runnable.
 */
void cpu_loop(struct lm_cpu *c)
{
	struct rq *rq = &c->rq;
	unsigned int slice = 0;

	while (!atomic_load_explicit(&lm.stop, memory_order_relaxed)) {
		struct task_struct *curr;
		enum step_result res;

		if (lm.hooks.tick)
			lm.hooks.tick(c);
		if (unlikely(atomic_load_explicit(&c->hp.req, memory_order_relaxed) ||
			     atomic_load_explicit(&c->hp.state, memory_order_relaxed) == CPUHP_DYING) &&
		    cpuhp_step(c))
			continue;
		curr = current;
		if (curr == rq->idle) {
			if (atomic_load_explicit(&rq->need_resched, memory_order_acquire) ||
			    atomic_load_explicit(&rq->nr_queued, memory_order_relaxed))
				schedule();
			else
				idle_step(c);
			continue;
		}
		if (curr->cont) {
			task_cont_fn cont = curr->cont;

			curr->cont = NULL;
			cont(curr);
		}
		count_event(CNT_TASK_STEP);
		res = curr->step(curr);
		switch (res) {
		case STEP_CONTINUE:
			if (atomic_load_explicit(&rq->need_resched, memory_order_relaxed) ||
			    (++slice >= 4 && atomic_load_explicit(&rq->nr_queued, memory_order_relaxed))) {
				slice = 0;
				schedule();
			}
			break;
		case STEP_YIELD:
		case STEP_BLOCK:
			slice = 0;
			schedule();
			break;
		case STEP_EXIT:
			slice = 0;
			do_task_dead();
			break;
		}
	}
}

/* Brings up one CPU's scheduler state: its idle task, lazy on init_mm
 * (sched_init() / cpu_init()). */
void sched_init_cpu(struct lm_cpu *c)
{
	struct task_struct *idle = task_alloc(PF_KTHREAD | PF_IDLE, NULL, NULL);

	idle->cpu = c->cpu;
	idle->active_mm = &init_mm;
	atomic_store_explicit(&idle->state, TASK_RUNNING, memory_order_relaxed);
	atomic_store_explicit(&idle->on_cpu, 1, memory_order_relaxed);
	c->rq.idle = idle;
	c->rq.online = true;
	c->rq.current_task = idle;
	atomic_store_explicit(&c->rq.curr, idle, memory_order_relaxed);
	atomic_flag_clear(&c->rq.lock);
}
