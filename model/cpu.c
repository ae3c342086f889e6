/*
 * cpu.c - CPU hot-unplug and hot-plug while the machine runs.
 *
 * Models the parts of kernel/cpu.c (v6.11) that decide what a lazy mm on a
 * dying CPU is exposed to, in the x86 order (HOTPLUG_CORE_SYNC_DEAD):
 *
 *   controlling CPU                       dying CPU
 *   _cpu_down() -> takedown_cpu()
 *     stop_machine(take_cpu_down)   --->  take_cpu_down(): __cpu_disable()
 *                                         clears it from cpu_online_mask;
 *                                         smpcfd_dying_cpu() flushes the
 *                                         call queue; tasks are pushed away
 *                                         (sched_cpu_dying(), balance_push)
 *                                           ... the OFFLINE WINDOW: still
 *                                           lazy on whatever mm it had, but
 *                                           smp_call_function_*() skip it ...
 *                                         do_idle() sees it offline:
 *                                         idle_task_exit() (switch to
 *                                         init_mm), cpuhp_ap_report_dead()
 *     cpuhp_bp_sync_dead() waits    <---
 *   finish_cpu(): the dead CPU's lazy mm dropped here (sched.c)
 *   _cpu_up() -> bringup_cpu()      --->  start_secondary(): TLB state
 *                                         reset (the CPU lost its TLB and
 *                                         paging-structure caches),
 *                                         set_cpu_online(true)
 *
 * In the window a teardown's IPIs cannot reach the dying CPU.  refcount
 * needs nothing more: the idle task's reference keeps the mm until
 * finish_cpu(), which runs after idle_task_exit().  The schemes without a
 * reference must not free the mm (nor its pgd) while the dying CPU still
 * has it loaded: cpuhp_wait_dying() is what they do about it (a bounded
 * spin until the CPU reported dead; allowed in the atomic contexts a final
 * __mmdrop() can run in, I12, where cpus_read_lock() is not).
 *
 * Departures (docs/model.md): stop_machine() is not modelled as such; its
 * effect on IPIs, that no smp_call_function_*() is in flight while the
 * online bit changes, is kept by a Dekker pair between a sender's
 * hp.in_call and the dying CPU's online bit [pair:cpu-online].  The dying
 * CPU's model timers stay on it (the kernel migrates them); what they wake
 * goes to an online CPU.  CPU 0 is never taken down (x86's BSP by default).
 */
#include "model.h"
#include "lazy/lazy.h"

void set_cpu_online(int cpu, bool online)
{
	if (online)
		atomic_fetch_or_explicit(&lm.cpu_online_mask, 1ull << cpu, memory_order_seq_cst);
	else
		atomic_fetch_and_explicit(&lm.cpu_online_mask, ~(1ull << cpu), memory_order_seq_cst);
}

/* An online CPU to run a task that asked for `cpu`: cpu itself when it
 * is online, else the next online one (select_fallback_rq()). */
int cpuhp_fallback_cpu(int cpu)
{
	int n = lm.cfg.nr_cpus;

	for (int i = 0; i < n; i++) {
		int c = (cpu + i) % n;

		if (cpu_online(c))
			return c;
	}
	return 0;
}

/* Models smpcfd_dying_cpu() -> flush_smp_call_function_queue() after
 * waiting for every sender that may still include this CPU. */
static void smpcfd_dying_cpu(void)
{
	struct lm_cpu *c = lm_this;

	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct lm_wait w = LM_WAIT("take_cpu_down: a smp_call_function in flight");

		if (cpu == c->cpu)
			continue;
		/* [pair:cpu-online] the dying side: online bit cleared (seq_cst
		 * RMW), then each sender's in_call read.  A sender whose mask
		 * read saw this CPU online is still in_call here; its call is
		 * handled while we wait (it may wait for us). */
		while (atomic_load_explicit(&cpu_of(cpu)->hp.in_call, memory_order_seq_cst)) {
			generic_smp_call_function_interrupt();
			if (!lm_wait_step(&w))
				return;
		}
	}
	generic_smp_call_function_interrupt();
}

/*
 * Models take_cpu_down() (kernel/cpu.c) on the dying CPU, from its idle
 * task (cpu_loop() pushed the task it was running away first, as the
 * stopper preempting it does).  Irqs off, as in stop_machine().
 */
void take_cpu_down(void)
{
	struct lm_cpu *c = lm_this;
	struct rq *rq = &c->rq;
	struct task_struct *p;

	local_irq_disable();
	count_event(CNT_CPU_DOWN);
	lm_event(EV_OFFLINE, current, NULL);
	atomic_store_explicit(&c->hp.state, CPUHP_DYING, memory_order_seq_cst);
	/* set_rq_offline(): under the rq lock, so an activate_task_on() that
	 * saw it online has enqueued before the push below */
	raw_spin_lock(&rq->lock, "rq->lock");
	rq->online = false;
	raw_spin_unlock(&rq->lock);
	set_cpu_online(c->cpu, false);           /* __cpu_disable() */
	smpcfd_dying_cpu();
	/* sched_cpu_dying(): push what is queued here to online CPUs */
	for (;;) {
		raw_spin_lock(&rq->lock, "rq->lock");
		p = rq->head;
		if (p) {
			rq->head = p->rq_next;
			if (!rq->head)
				rq->tail = NULL;
			p->rq_next = NULL;
			atomic_fetch_sub_explicit(&rq->nr_queued, 1, memory_order_relaxed);
		}
		raw_spin_unlock(&rq->lock);
		if (!p)
			break;
		activate_task_on(p, cpuhp_fallback_cpu(c->cpu));
	}
	local_irq_enable();
}

/*
 * The dying CPU's idle task, once it sees the CPU offline (do_idle() ->
 * cpuhp_report_idle_dead() -> arch_cpu_idle_dead() -> play_dead_common()):
 * the offline window ends at idle_task_exit(); cpuhp_ap_report_dead()
 * tells the controller.  Irqs are off from do_idle() on.
 */
void cpuhp_idle_dead(void)
{
	struct lm_cpu *c = lm_this;

	local_irq_disable();
	sim_point(SP_CPU_DYING);
	idle_task_exit();
	/* cpuhp_ap_report_dead(): release pairs with the controller's acquire
	 * in cpuhp_wait_dying()/cpu_is_dead() [pair:cpu-dead]: the switch to
	 * init_mm is visible before the CPU counts as dead. */
	atomic_store_explicit(&c->hp.state, CPUHP_DEAD, memory_order_release);
	local_irq_enable();
}

/*
 * Models start_secondary() on a CPU coming back: it lost its TLB and
 * paging-structure caches while off; it starts on init_mm with fresh ASID
 * bookkeeping (initialize_tlbstate_and_flush()), then goes online.
 */
void cpuhp_bringup(void)
{
	struct lm_cpu *c = lm_this;
	struct rq *rq = &c->rq;

	local_irq_disable();
	initialize_tlbstate_and_flush();
	for (int i = 0; i < PSC_ENTRIES; i++)
		c->hw.psc[i].valid = false;
	raw_spin_lock(&rq->lock, "rq->lock");
	rq->online = true;
	raw_spin_unlock(&rq->lock);
	atomic_store_explicit(&c->hp.state, CPUHP_ONLINE, memory_order_release);
	set_cpu_online(c->cpu, true);
	local_irq_enable();
}

/* What the CPU loop does about a hotplug request (sched.c).  Returns true
 * when it did something (the loop starts over). */
bool cpuhp_step(struct lm_cpu *c)
{
	int req = atomic_load_explicit(&c->hp.req, memory_order_acquire);
	int st = atomic_load_explicit(&c->hp.state, memory_order_relaxed);

	if (req == CPUHP_REQ_DOWN && st == CPUHP_ONLINE) {
		struct task_struct *curr = current;

		if (curr != c->rq.idle) {
			/* the stopper preempts it; balance_push moves it */
			curr->migrate_to = cpuhp_fallback_cpu((c->cpu + 1) % lm.cfg.nr_cpus);
			if (curr->migrate_to == c->cpu)
				curr->migrate_to = 0;
			schedule();
			return true;
		}
		atomic_store_explicit(&c->hp.req, CPUHP_REQ_NONE, memory_order_relaxed);
		take_cpu_down();
		return true;
	}
	if (st == CPUHP_DYING && current == c->rq.idle) {
		cpuhp_idle_dead();
		return true;
	}
	if (req == CPUHP_REQ_UP && st == CPUHP_DEAD) {
		atomic_store_explicit(&c->hp.req, CPUHP_REQ_NONE, memory_order_relaxed);
		cpuhp_bringup();
		return true;
	}
	return false;
}

/* ---- the controlling CPU ---- */

/* What cpuhp_bp_sync_dead() waits for: the CPU reported dead, after its
 * idle_task_exit() [pair:cpu-dead].  The no-sync-dead mutant takes a CPU
 * that has only left the online mask for dead: finish_cpu() would then
 * run during the offline window. */
bool cpu_is_dead(int cpu)
{
	int st = atomic_load_explicit(&cpu_of(cpu)->hp.state, memory_order_acquire);

	return st == CPUHP_DEAD || (st == CPUHP_DYING && lm_mutated(LM_MUT_NO_SYNC_DEAD));
}

/* Models takedown_cpu()'s cpuhp_bp_sync_dead(): the controlling CPU waits
 * (bounded, irqs on) for the dying CPU to report dead. */
void cpuhp_bp_sync_dead(int cpu)
{
	struct lm_wait w = LM_WAIT("cpuhp_bp_sync_dead: the dying CPU never reported dead");

	atomic_store_explicit(&lm_this->hp.waiting_dying, 1, memory_order_release);
	while (!cpu_is_dead(cpu)) {
		lm_irq_poll();
		if (!lm_wait_step(&w))
			break;
	}
	atomic_store_explicit(&lm_this->hp.waiting_dying, 0, memory_order_release);
}

bool cpu_is_up(int cpu)
{
	return atomic_load_explicit(&cpu_of(cpu)->hp.state, memory_order_acquire) == CPUHP_ONLINE &&
	       cpu_online(cpu);
}

/* _cpu_down()/_cpu_up() requests, acted on by the CPU itself. */
void cpu_down_request(int cpu)
{
	atomic_store_explicit(&cpu_of(cpu)->hp.req, CPUHP_REQ_DOWN, memory_order_release);
}

void cpu_up_request(int cpu)
{
	atomic_store_explicit(&cpu_of(cpu)->hp.req, CPUHP_REQ_UP, memory_order_release);
}

/*
 * A teardown found `cpu` among the CPUs that may hold the dying mm, but
 * the CPU is offline, so its IPI was skipped.  If it is still in the
 * offline window it may have the mm loaded: wait until it has run
 * idle_task_exit() (bounded; irqs on, IPIs taken).  Nothing to wait for
 * when the CPU is online (its IPI was sent) or dead.
 */
void cpuhp_wait_dying(int cpu)
{
	struct lm_wait w = LM_WAIT("teardown: a dying CPU to reach idle_task_exit()");
	struct lm_cpu *c = lm_this;

	if (lm_mutated(LM_MUT_NO_DYING_WAIT) || cpu == c->cpu)
		return;
	if (atomic_load_explicit(&cpu_of(cpu)->hp.state, memory_order_acquire) != CPUHP_DYING)
		return;
	count_event(CNT_WAIT_DYING);
	atomic_store_explicit(&c->hp.waiting_dying, 1, memory_order_release);
	/* [pair:cpu-dead] */
	while (atomic_load_explicit(&cpu_of(cpu)->hp.state, memory_order_acquire) == CPUHP_DYING) {
		lm_irq_poll();
		if (!lm_wait_step(&w))
			break;
	}
	atomic_store_explicit(&c->hp.waiting_dying, 0, memory_order_release);
}
