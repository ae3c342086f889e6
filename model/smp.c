/*
 * smp.c - interrupts and inter-processor calls between simulated CPUs.
 *
 * Models kernel/smp.c (smp_call_function_*, on_each_cpu_*, the per-CPU
 * call-single queue) and the irq flag of arch/x86/include/asm/irqflags.h.
 *
 * An IPI is a call_single_data pushed on the target's lock-free list.  In
 * IPI_SIGNAL mode the sender also sends SIGUSR1 to the target's host thread,
 * whose handler runs the queued functions right where the thread was,
 * exactly as an interrupt would, unless the target's irqs are off: then the
 * handler only notes that an IPI is pending and local_irq_enable() runs it.
 * In IPI_POLL mode (deterministic scenarios, sanitizer builds) calls are run
 * only at local_irq_enable() and while a CPU waits, so the scenario decides
 * where a call lands by where it parks the target.
 *
 * Every wait is bounded by lm.cfg.wait_timeout_ns: a wait that runs out is
 * reported as an INV_HANG violation and the whole run unwinds (lm.abort).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "model.h"

#define IPI_SIGNAL_NO SIGUSR1

uint64_t lm_deadline(void)
{
	return lm_now_ns() + lm.cfg.wait_timeout_ns;
}

/* True when the caller must stop waiting: the run is aborting, or this wait
 * ran past its bound (which then aborts the run). */
bool lm_wait_expired(uint64_t deadline, const char *what)
{
	if (atomic_load_explicit(&lm.abort, memory_order_relaxed))
		return true;
	if (lm_now_ns() < deadline)
		return false;
	lm_violation(INV_HANG, -1, 0, "cpu%d: bounded wait ran out: %s",
		     lm_this ? lm_this->cpu : -1, what);
	atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
	atomic_store_explicit(&lm.stop, 1, memory_order_relaxed);
	return true;
}

/* Models native_irq_disable() (arch/x86/include/asm/irqflags.h). */
void local_irq_disable(void)
{
	atomic_store_explicit(&lm_this->irq.off, 1, memory_order_relaxed);
	/* Only this thread's signal handler reads the flag: a compiler barrier
	 * orders it against the critical section that follows. */
	barrier();
}

bool irqs_disabled(void)
{
	return atomic_load_explicit(&lm_this->irq.off, memory_order_relaxed) != 0;
}

static bool irq_work_pending(struct lm_cpu *c)
{
	return atomic_load_explicit(&c->irq.pending, memory_order_relaxed) ||
	       atomic_load_explicit(&c->irq.queue, memory_order_relaxed) != NULL;
}

/* Models native_irq_enable(): IPIs that arrived while irqs were off are
 * taken now, before the code after local_irq_enable() runs. */
void local_irq_enable(void)
{
	struct lm_cpu *c = lm_this;

	barrier();
	for (;;) {
		atomic_store_explicit(&c->irq.off, 0, memory_order_relaxed);
		barrier();
		if (!irq_work_pending(c))
			break;
		atomic_store_explicit(&c->irq.off, 1, memory_order_relaxed);
		barrier();
		atomic_store_explicit(&c->irq.pending, 0, memory_order_relaxed);
		generic_smp_call_function_interrupt();
	}
}

/* Models arch_local_irq_save(). */
unsigned long local_irq_save(void)
{
	unsigned long was_off = irqs_disabled();

	local_irq_disable();
	return was_off;
}

/* Models arch_local_irq_restore(). */
void local_irq_restore(unsigned long flags)
{
	if (!flags)
		local_irq_enable();
}

/*
 * Models lockdep_assert_preemption_enabled() (include/linux/lockdep.h), as
 * the RFC v3 hazptr_scan() starts with it: reached with preemption or irqs
 * off, it warns; here that is I12 (a final __mmdrop() may run with
 * preemption off, so a cleanup must not need it on).
 */
void lockdep_assert_preemption_enabled(const char *site)
{
	struct lm_cpu *c = lm_this;

	if (c->irq.preempt_count || irqs_disabled() ||
	    atomic_load_explicit(&c->irq.in_irq, memory_order_relaxed))
		lm_violation(INV_CONTEXT, -1, 0, "cpu%d: %s: preemption not enabled (preempt_count %d, irqs %s)",
			     c->cpu, site, c->irq.preempt_count, irqs_disabled() ? "off" : "on");
}

/* Models preempt_disable()/preempt_enable() (include/linux/preempt.h).
 * The model preempts only at explicit preemption points, which honour it. */
void preempt_disable(void)
{
	lm_this->irq.preempt_count++;
	barrier();
}

void preempt_enable(void)
{
	barrier();
	lm_this->irq.preempt_count--;
}

/*
 * Models __flush_smp_call_function_queue() (kernel/smp.c): run every call
 * queued for this CPU, in the order sent.  Called with irqs off, from the
 * signal handler or from local_irq_enable()/waits.
 */
void generic_smp_call_function_interrupt(void)
{
	struct lm_cpu *c = lm_this;
	struct call_single_data *list, *rev = NULL;

	/* Acquire pairs with the release CAS in llist_add_csd() [pair:csd-queue]:
	 * the func/info a sender wrote are visible before we call them. */
	list = atomic_exchange_explicit(&c->irq.queue, NULL, memory_order_acquire);
	if (!list)
		return;
	while (list) {                    /* the list is LIFO: reverse it */
		struct call_single_data *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	atomic_store_explicit(&c->irq.in_irq, 1, memory_order_relaxed);
	barrier();
	while (rev) {
		struct call_single_data *csd = rev;
		void (*func)(void *) = csd->func;
		void *info = csd->info;

		rev = csd->next;
		count_event(CNT_IPI_RECV);
		lm_event(EV_IPI_RECV, NULL, NULL);
		func(info);
		/* csd_unlock(): release pairs with the acquire in csd_lock_wait()
		 * [pair:csd-lock]: the sender sees everything func did. */
		atomic_store_explicit(&csd->busy, 0, memory_order_release);
	}
	barrier();
	atomic_store_explicit(&c->irq.in_irq, 0, memory_order_relaxed);
}

static void ipi_signal_handler(int sig)
{
	struct lm_cpu *c = lm_this;
	int saved_errno = errno;

	(void)sig;
	if (!c)
		return;
	if (atomic_load_explicit(&c->irq.off, memory_order_relaxed)) {
		/* irqs off: held back until local_irq_enable() */
		atomic_store_explicit(&c->irq.pending, 1, memory_order_relaxed);
		errno = saved_errno;
		return;
	}
	do {
		atomic_store_explicit(&c->irq.off, 1, memory_order_relaxed);
		barrier();
		atomic_store_explicit(&c->irq.pending, 0, memory_order_relaxed);
		generic_smp_call_function_interrupt();
		barrier();
		atomic_store_explicit(&c->irq.off, 0, memory_order_relaxed);
		barrier();
	} while (irq_work_pending(c));
	errno = saved_errno;
}

int smp_init_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ipi_signal_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(IPI_SIGNAL_NO, &sa, NULL);
}

/* Take pending calls at a point where irqs are on (waits, idle). */
static void irq_poll(void)
{
	struct lm_cpu *c = lm_this;

	if (!irqs_disabled() && irq_work_pending(c)) {
		local_irq_disable();
		local_irq_enable();
	}
}

/* Models llist_add() of a csd on the target's call_single_queue.
 * Returns true if the list was empty (the kernel sends the IPI only then). */
static bool llist_add_csd(struct lm_cpu *t, struct call_single_data *csd)
{
	struct call_single_data *old =
		atomic_load_explicit(&t->irq.queue, memory_order_relaxed);

	do {
		csd->next = old;
		/* Release: func/info/next before publication [pair:csd-queue]. */
	} while (!atomic_compare_exchange_weak_explicit(&t->irq.queue, &old, csd,
							memory_order_release,
							memory_order_relaxed));
	return old == NULL;
}

/* Models csd_lock_wait(): wait for the target to have run our call. */
static void csd_lock_wait(struct call_single_data *csd)
{
	struct lm_wait w = LM_WAIT("csd_lock_wait (IPI never handled)");
	struct cpu_irq *irq = &lm_this->irq;
	int saved = atomic_load_explicit(&irq->csd_wait_target, memory_order_relaxed);

	/* For the scenario controller only (not counted: no kernel cost).  An
	 * IPI handler on this CPU may wait too: restore what it interrupted. */
	atomic_store_explicit(&irq->csd_wait_target, (int)(csd - lm_this->csd) + 1, memory_order_relaxed);
	/* Acquire pairs with csd_unlock in the handler [pair:csd-lock]. */
	while (atomic_load_explicit(&csd->busy, memory_order_acquire)) {
		irq_poll();     /* irqs are on while waiting: take calls sent to us */
		if (!lm_wait_step(&w))
			break;
	}
	atomic_store_explicit(&irq->csd_wait_target, saved, memory_order_relaxed);
}

static void send_call_function_ipi(int cpu)
{
	if (lm.cfg.ipi_mode == IPI_SIGNAL)
		pthread_kill(cpu_of(cpu)->thread, IPI_SIGNAL_NO);
}

/* Queue func on cpu through this CPU's csd for it; the caller waits. */
static void queue_call(int cpu, void (*func)(void *), void *info)
{
	struct call_single_data *csd = &lm_this->csd[cpu];

	csd_lock_wait(csd);                /* csd_lock(): the previous use is done */
	atomic_store_explicit(&csd->busy, 1, memory_order_relaxed);
	csd->func = func;
	csd->info = info;
	csd->src = lm_this->cpu;
	count_event(CNT_IPI_SENT);
	if (llist_add_csd(cpu_of(cpu), csd))
		send_call_function_ipi(cpu);
}

static bool refuse_irqs_off(int wait, const char *fn)
{
	/* The kernel warns: waiting with irqs off can deadlock two CPUs that
	 * call each other.  The model refuses the call and reports it. */
	if (wait && irqs_disabled()) {
		lm_violation(INV_IRQ, -1, 0, "cpu%d: %s(wait=1) with irqs off",
			     lm_this->cpu, fn);
		return true;
	}
	return false;
}

static void run_local(void (*func)(void *), void *info)
{
	unsigned long flags = local_irq_save();

	func(info);
	local_irq_restore(flags);
}

/*
 * A sender is "in a call" from before its read of cpu_online_mask until
 * its wait is over.  In the kernel the sender runs with preemption off,
 * so stop_machine() (and with it take_cpu_down()) cannot clear a CPU's
 * online bit while a call to it is in flight.  The model keeps that with
 * a Dekker pair [pair:cpu-online]: in_call++ ; read the online bit here,
 * against the dying CPU's clear ; read in_call (cpu.c: smpcfd_dying_cpu()).
 */
static void call_enter(void)
{
	atomic_fetch_add_explicit(&lm_this->hp.in_call, 1, memory_order_seq_cst);
}

static void call_exit(void)
{
	atomic_fetch_sub_explicit(&lm_this->hp.in_call, 1, memory_order_release);
}

/* Models smp_call_function_single() (kernel/smp.c): an offline target is
 * refused with -ENXIO, as generic_exec_single() does. */
int smp_call_function_single(int cpu, void (*func)(void *), void *info, int wait)
{
	if (cpu < 0 || cpu >= lm.cfg.nr_cpus)
		return -ENXIO;
	if (refuse_irqs_off(wait, "smp_call_function_single"))
		return -EINVAL;
	if (cpu == lm_this->cpu) {
		run_local(func, info);
		return 0;
	}
	call_enter();
	if (!cpu_online(cpu)) {
		call_exit();
		return -ENXIO;
	}
	queue_call(cpu, func, info);
	if (wait) {
		count_event(CNT_IPI_WAIT_ROUND);
		csd_lock_wait(&lm_this->csd[cpu]);
	}
	call_exit();
	return 0;
}

/* Models smp_call_function_many_cond(): the targets are mask AND
 * cpu_online_mask; the local CPU runs func when `local` and it is in mask. */
static void call_many(const uint64_t *mask, void (*func)(void *), void *info,
		      int wait, bool local)
{
	int me = lm_this->cpu, remote = 0;
	bool run_self = false;
	uint64_t sent = 0;

	call_enter();
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		if (!(mask[cpu / 64] >> (cpu % 64) & 1))
			continue;
		if (cpu == me) {
			run_self = local;
			continue;
		}
		if (!cpu_online(cpu))
			continue;       /* cpumask_and(cfd->cpumask, mask, cpu_online_mask) */
		sent |= 1ull << cpu;
		queue_call(cpu, func, info);
		remote++;
	}
	if (run_self)
		run_local(func, info);
	if (wait && remote)
		count_event(CNT_IPI_WAIT_ROUND);
	if (wait)
		for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
			if ((sent >> cpu) & 1)
				csd_lock_wait(&lm_this->csd[cpu]);
	call_exit();
}

/* Models smp_call_function_many(): the calling CPU is excluded. */
void smp_call_function_many(const uint64_t *mask, void (*func)(void *), void *info, int wait)
{
	if (refuse_irqs_off(wait, "smp_call_function_many"))
		return;
	call_many(mask, func, info, wait, false);
}

/* Models on_each_cpu_mask(): runs locally too when this CPU is in mask. */
void on_each_cpu_mask(const uint64_t *mask, void (*func)(void *), void *info, int wait)
{
	if (refuse_irqs_off(wait, "on_each_cpu_mask"))
		return;
	call_many(mask, func, info, wait, true);
}

/* Models on_each_cpu_cond_mask(): cond is evaluated here, on the sender. */
void on_each_cpu_cond_mask(bool (*cond)(int cpu, void *info), void (*func)(void *),
			   void *info, int wait, const uint64_t *mask)
{
	uint64_t sub[NR_CPUS_MAX / 64] = { 0 };

	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++)
		if ((mask[cpu / 64] >> (cpu % 64) & 1) && cond(cpu, info))
			sub[cpu / 64] |= 1ULL << (cpu % 64);
	on_each_cpu_mask(sub, func, info, wait);
}

/* Exported for the idle loop and scenario parking. */
void lm_irq_poll(void)
{
	irq_poll();
}
