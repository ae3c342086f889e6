/*
 * scenario.c - `lazymm scenario`: deterministic interleavings.
 *
 * The CPUs are the same host threads as in torture, but they do nothing on
 * their own: each waits for the controller (this file, on the main thread)
 * to hand it an action (switch to a task, block, exit, exec, munmap ...).
 * A scenario parks a CPU at a named model point (model.h, enum lm_point),
 * lets another CPU run into the window, and releases it.  IPIs are
 * delivered only where irqs are on: while a parked CPU waits with irqs on,
 * it takes them; while it is parked with irqs off, they wait, and so does
 * a sender that asked to wait.  Every wait is bounded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../model/harness.h"

#define SC_MAX_CPUS 4
#if defined(LAZYMM_TSAN)
#define SC_TIMEOUT_NS (20ull * 1000000000ull)
#else
#define SC_TIMEOUT_NS (5ull * 1000000000ull)
#endif

/*
 * The mailbox between the controller and a CPU.  Each handshake is a
 * release store on one side and an acquire load on the other:
 *   fn      controller posts arg then fn; the CPU reads fn then arg [pair:sc-post]
 *   busy    the CPU clears it after the action; the controller reads the
 *           action's effects after seeing 0 [pair:sc-done]
 *   brk     the controller arms a park point before posting [pair:sc-brk]
 *   parked  the CPU says where it parked [pair:sc-parked]
 *   release the controller lets it go on [pair:sc-release]
 */
struct sc_cpu {
	_Atomic(void (*)(void *)) fn;
	void *arg;
	_Atomic int busy;          /* an action is posted or running */
	_Atomic int brk;           /* park at this point (SP_NONE: no) */
	_Atomic int parked;        /* the point parked at, 0 if not */
	_Atomic int release;
};

static struct sc_cpu scc[SC_MAX_CPUS];
static int sc_preempt_to = -1;
static bool sc_timed_out;

/* ---- the CPU side ---- */

static void sc_point(int point, struct mm_struct *mm)
{
	struct sc_cpu *s = &scc[lm_this->cpu];
	uint64_t deadline;

	(void)mm;
	if (atomic_load_explicit(&s->brk, memory_order_acquire) != point)   /* [pair:sc-brk] */
		return;
	atomic_store_explicit(&s->brk, SP_NONE, memory_order_relaxed);
	atomic_store_explicit(&s->release, 0, memory_order_relaxed);
	atomic_store_explicit(&s->parked, point, memory_order_release);     /* [pair:sc-parked] */
	deadline = lm_deadline();
	while (!atomic_load_explicit(&s->release, memory_order_acquire)) {   /* [pair:sc-release] */
		lm_irq_poll();           /* takes IPIs only if irqs are on here */
		cpu_relax();
		if (lm_wait_expired(deadline, "scenario: parked CPU never released"))
			break;
	}
	atomic_store_explicit(&s->parked, 0, memory_order_release);
}

static int sc_preempt(struct task_struct *tsk, int point)
{
	(void)point;
	if (sc_preempt_to < 0)
		return -1;
	tsk->migrate_to = sc_preempt_to;
	return sc_preempt_to;
}

static void sc_cpu_main(struct lm_cpu *c)
{
	struct sc_cpu *s = &scc[c->cpu];

	while (!atomic_load_explicit(&lm.stop, memory_order_relaxed)) {
		void (*fn)(void *) = atomic_load_explicit(&s->fn, memory_order_acquire);  /* [pair:sc-post] */

		if (fn) {
			atomic_store_explicit(&s->fn, NULL, memory_order_relaxed);
			fn(s->arg);
			atomic_store_explicit(&s->busy, 0, memory_order_release);    /* [pair:sc-done] */
			continue;
		}
		lm_idle_offline(c);
		lm_irq_poll();
		cpu_relax();
	}
}

/* ---- the controller side ---- */

static bool sc_wait(const char *what, bool (*cond)(int), int arg)
{
	uint64_t deadline = lm_now_ns() + lm.cfg.wait_timeout_ns;

	while (!cond(arg)) {
		if (atomic_load_explicit(&lm.abort, memory_order_relaxed) || lm_now_ns() > deadline) {
			if (!sc_timed_out)
				fprintf(stderr, "scenario: timed out waiting for %s (cpu%d)\n", what, arg);
			sc_timed_out = true;
			atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
			return false;
		}
		struct timespec ts = { 0, 20000 };
		nanosleep(&ts, NULL);
	}
	return true;
}

/* [pair:sc-done] */
static bool cpu_idle_cond(int cpu) { return !atomic_load_explicit(&scc[cpu].busy, memory_order_acquire); }
/* [pair:sc-parked] */
static bool cpu_parked_cond(int cpu) { return atomic_load_explicit(&scc[cpu].parked, memory_order_acquire) != 0; }
static bool ipi_queued_cond(int cpu) { return atomic_load_explicit(&cpu_of(cpu)->irq.queue, memory_order_acquire) != NULL; }
/* cpu finished its action, or it is waiting for an IPI it sent */
static bool idle_or_ipi_cond(int cpu)
{
	if (cpu_idle_cond(cpu))
		return true;
	for (int other = 0; other < lm.cfg.nr_cpus; other++)
		if (other != cpu && ipi_queued_cond(other))
			return true;
	return false;
}

/* Post an action to cpu; do not wait. */
static void sc_post(int cpu, void (*fn)(void *), void *arg)
{
	if (!sc_wait("the CPU to finish its previous action", cpu_idle_cond, cpu))
		return;
	scc[cpu].arg = arg;
	atomic_store_explicit(&scc[cpu].busy, 1, memory_order_relaxed);
	atomic_store_explicit(&scc[cpu].fn, fn, memory_order_release);      /* [pair:sc-post] */
}

/* Post an action and wait for it to complete. */
static void sc_do(int cpu, void (*fn)(void *), void *arg)
{
	sc_post(cpu, fn, arg);
	sc_wait("an action to complete", cpu_idle_cond, cpu);
}

static void sc_break(int cpu, int point)
{
	atomic_store_explicit(&scc[cpu].brk, point, memory_order_release);  /* [pair:sc-brk] */
}

static void sc_wait_parked(int cpu)
{
	sc_wait("a CPU to park", cpu_parked_cond, cpu);
}

static void sc_release(int cpu)
{
	atomic_store_explicit(&scc[cpu].release, 1, memory_order_release);  /* [pair:sc-release] */
}

static void sc_sync(int cpu)
{
	sc_wait("an action to complete", cpu_idle_cond, cpu);
}

/* ---- actions (run on a CPU) ---- */

static void act_switch_to(void *arg)
{
	struct task_struct *t = arg;

	atomic_store_explicit(&t->state, TASK_RUNNING, memory_order_relaxed);
	activate_task_on(t, lm_this->cpu);
	schedule();
}

static void act_schedule(void *arg)
{
	(void)arg;
	schedule();
	if (current->cont) {
		task_cont_fn cont = current->cont;

		current->cont = NULL;
		cont(current);
	}
}

static void act_block(void *arg)
{
	(void)arg;
	atomic_store_explicit(&current->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	schedule();
}

static void act_exit(void *arg)
{
	(void)arg;
	exit_mm();
	do_task_dead();
}

static void act_touch(void *arg)
{
	(void)arg;
	touch_user_memory(current->mm);
}

static void act_walk(void *arg)
{
	(void)arg;
	speculative_walk();
}

static void act_munmap(void *arg)
{
	(void)arg;
	do_munmap(current->mm);
}

static void act_exec(void *arg)
{
	current->flags &= ~PF_KTHREAD;
	if (exec_mmap(arg))
		schedule();              /* preempted: moved before the lazy drop */
}

static void act_irqs_off_hold(void *arg)
{
	(void)arg;
	local_irq_disable();
	sim_point(SP_SC_HOLD);
	local_irq_enable();
}

static void act_kthread_cycle(void *arg)
{
	struct mm_struct *mm = arg;

	if (!mmget_not_zero(mm))
		return;
	kthread_use_mm(mm);
	touch_user_memory(mm);
	kthread_unuse_mm(mm);
	mmput(mm);                       /* the last user, here */
}

static void act_mmdrop_atomic(void *arg)
{
	preempt_disable();               /* a khugepaged-like holder */
	mmdrop(arg);
	preempt_enable();
}

static void act_mmgrab(void *arg)
{
	mmgrab(arg);
}

/* ---- building blocks ---- */

static struct mm_struct *new_mm(bool map)
{
	return lm_new_mm(map);
}

/* A user task of mm (a thread: one more mm_users unless first). */
static struct task_struct *new_user(struct mm_struct *mm, bool first)
{
	if (!first)
		mmget(mm);
	return lm_task_create(mm, NULL, NULL, 0);
}

static struct task_struct *new_kthread(void)
{
	return lm_task_create(NULL, NULL, NULL, 0);
}

/* Run a user task of a fresh mm on cpu and exit it: the CPU switches away
 * from whatever it had loaded (switch_mm_irqs_off() dereferences it). */
static void sc_run_fresh(int cpu)
{
	struct task_struct *t = new_user(new_mm(true), true);

	sc_do(cpu, act_switch_to, t);
	sc_do(cpu, act_touch, NULL);
	sc_do(cpu, act_walk, NULL);
	sc_do(cpu, act_exit, NULL);
}

/* ---- the scenarios ---- */

struct scenario {
	const char *name;
	const char *desc;
	int cpus;
	bool reuse;
	bool exposes;     /* a missing lazy reference makes it fail (none) */
	int (*run)(void);
};

/* 1. user A -> idle -> user A on two CPUs, one mm: the RFC's hot path. */
static int sc_hotpath(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);
	uint64_t rmw0, sw0, rmw, sw;

	sc_do(0, act_switch_to, a);
	sc_do(1, act_switch_to, b);
	rmw0 = lm_total(CNT_RMW_MM_COUNT);
	sw0 = lm_total(CNT_CS_USER_KERNEL) + lm_total(CNT_CS_KERNEL_USER);
	for (int i = 0; i < 200; i++) {
		for (int cpu = 0; cpu < 2; cpu++) {
			sc_do(cpu, act_touch, NULL);
			sc_do(cpu, act_block, NULL);            /* to idle: lazy on m */
			sc_do(cpu, act_walk, NULL);
			sc_do(cpu, act_switch_to, cpu ? b : a); /* back to the same mm */
		}
	}
	rmw = lm_total(CNT_RMW_MM_COUNT) - rmw0;
	sw = lm_total(CNT_CS_USER_KERNEL) + lm_total(CNT_CS_KERNEL_USER) - sw0;
	printf("  hot path: %llu user<->idle switches, %llu mm_count RMWs, %llu CR3 writes\n",
	       (unsigned long long)sw, (unsigned long long)rmw,
	       (unsigned long long)lm_total(CNT_CR3_WRITE));
	/* what each scheme costs on this path is part of the scenario */
	if (lm.cfg.ops->drop_derefs_mm && !lm.cfg.mutant && rmw != sw) {
		printf("  expected one mm_count RMW per user<->idle switch with %s\n", lm.cfg.ops->name);
		return 1;
	}
	if (!lm.cfg.ops->drop_derefs_mm && rmw != 0) {
		printf("  expected no mm_count RMW on the switch path with %s\n", lm.cfg.ops->name);
		return 1;
	}
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 2. The last thread exits while two other CPUs are lazy on its mm, which
 *    never mapped anything: exit_mmap() flushes nothing.  CPU 1 holds its
 *    irqs off while the teardown's IPIs come. */
static int sc_last_exit_lazy(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false), *t2 = new_user(m, false);

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(2, act_switch_to, t2);
	sc_do(1, act_exit, NULL);              /* t1, t2 exit: their CPUs go idle, lazy */
	sc_do(2, act_exit, NULL);
	sc_break(1, SP_SC_HOLD);
	sc_post(1, act_irqs_off_hold, NULL);
	sc_wait_parked(1);
	sc_post(0, act_exit, NULL);            /* the last user */
	sc_wait("cpu0 to finish or to wait for an IPI", idle_or_ipi_cond, 0);
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
	for (int cpu = 0; cpu < 3; cpu++) {
		sc_do(cpu, act_walk, NULL);
		sc_run_fresh(cpu);
	}
	return 0;
}

/* 3. The final mmdrop runs on another CPU than the exit, in atomic
 *    context: a khugepaged-like holder on CPU 2 owns the last mm_count. */
static int sc_mmdrop_other_cpu(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *k = new_kthread();

	sc_do(2, act_switch_to, k);
	sc_do(2, act_mmgrab, m);
	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);              /* mm_users -> 0; the mm lives on */
	sc_do(0, act_walk, NULL);
	sc_do(2, act_mmdrop_atomic, m);        /* the final mmdrop, on CPU 2 */
	for (int cpu = 0; cpu < 3; cpu++)
		sc_run_fresh(cpu);
	sc_do(2, act_exit, NULL);
	return 0;
}

/* 4. A freed_tables flush races with a lazy CPU returning to the same mm:
 *    CPU 1 is parked (irqs off) between clearing is_lazy and reading
 *    tlb_gen while CPU 0 unmaps a page table. */
static int sc_flush_vs_lazy_return(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);

	do_mmap(m);
	sc_do(0, act_switch_to, b);
	sc_do(1, act_switch_to, a);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_block, NULL);             /* lazy on m */
	sc_do(1, act_walk, NULL);
	sc_break(1, SP_SWITCH_MM_LAZY_RETURN);
	sc_post(1, act_switch_to, a);
	sc_wait_parked(1);
	sc_post(0, act_munmap, NULL);          /* tlb_gen++, IPI cpu1, wait */
	sc_wait("cpu0 to finish or to wait for an IPI", idle_or_ipi_cond, 0);
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
	sc_do(1, act_walk, NULL);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 5. The teardown IPI lands between context_switch() and
 *    finish_task_switch(): CPU 1 has switched from its lazy mm to another
 *    process, rq->prev_mm still names the dying mm. */
static int sc_ipi_in_finish_switch(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *x = new_user(new_mm(true), true);

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on m */
	sc_break(1, SP_FINISH_BEFORE_DROP);
	sc_post(1, act_switch_to, x);
	sc_wait_parked(1);
	sc_do(0, act_exit, NULL);              /* teardown while cpu1 is in the window */
	sc_release(1);
	sc_sync(1);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 6. kthread_use_mm() against an mm being torn down: the kworker gets
 *    mm_users first and its mmput() is the last one (it tears the mm down
 *    while lazy on it itself); a second try finds mm_users at 0. */
static int sc_kthread_use_teardown(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true);
	struct task_struct *k = new_kthread();

	sc_do(1, act_switch_to, k);
	sc_do(1, act_mmgrab, m);                /* the kworker's own reference */
	sc_do(0, act_switch_to, t0);
	sc_break(1, SP_KTHREAD_USE_AFTER_SWITCH);
	sc_post(1, act_kthread_cycle, m);
	sc_wait_parked(1);
	sc_do(0, act_exit, NULL);               /* not the last user: k holds one */
	sc_release(1);
	sc_sync(1);                             /* k's mmput() tears m down */
	sc_do(1, act_kthread_cycle, m);         /* mmget_not_zero() fails now */
	sc_do(1, act_walk, NULL);
	sc_do(1, act_mmdrop_atomic, m);         /* drop the kworker's reference */
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	sc_do(1, act_exit, NULL);
	return 0;
}

/* 7. exec from a kernel thread, preempted and migrated between the switch
 *    and the lazy drop; the CPU it lands on is lazy on another mm whose
 *    last user then exits. */
static int sc_kthread_exec_preempt(void)
{
	struct mm_struct *m = new_mm(false), *m2 = new_mm(false);
	struct task_struct *t = new_user(m, true), *t2 = new_user(m2, true);
	struct task_struct *u2 = new_user(m2, false);
	struct task_struct *k = new_kthread();

	/* CPU 0: a user of m, then the usermodehelper kthread (lazy on m) */
	sc_do(0, act_switch_to, t);
	sc_do(0, act_switch_to, k);            /* t stays runnable behind k */
	/* CPU 1: lazy on m2 */
	sc_do(1, act_switch_to, t2);
	sc_do(1, act_block, NULL);
	/* k execs into a fresh mm, preempted to CPU 1 before the lazy drop */
	sc_preempt_to = 1;
	sc_do(0, act_exec, new_mm(true));
	sc_preempt_to = -1;
	sc_do(1, act_schedule, NULL);          /* k runs on CPU 1: the lazy drop */
	sc_do(1, act_block, NULL);             /* CPU 1 idle again, k sleeps */
	/* m2's last users exit on CPU 0: CPU 1 must still be covered */
	sc_do(0, act_switch_to, t2);
	sc_do(0, act_switch_to, u2);
	sc_do(0, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	sc_do(1, act_walk, NULL);
	/* wind down: t, k */
	sc_do(0, act_exit, NULL);
	sc_do(1, act_switch_to, k);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 8. An mm's memory is reused right after it is freed: a CPU that still
 *    held a stale pointer would now see a live mm at the same address. */
static int sc_mm_reuse(void)
{
	struct mm_struct *m = new_mm(false), *m2;
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false), *n;

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on m */
	sc_do(0, act_exit, NULL);              /* m freed */
	m2 = new_mm(false);                    /* same address */
	n = new_user(m2, true);
	if (m2 != m)
		printf("  note: the allocator did not reuse the address\n");
	sc_do(1, act_switch_to, n);            /* CPU 1 switches to the new mm */
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* A CPU lazy on a dying mm switches to a user task of another mm and is
 * parked (irqs off) at `point` inside the switch while the last user of
 * the mm exits on CPU 0. */
static int switch_window(int point)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *x = new_user(new_mm(true), true);

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on m */
	sc_break(1, point);
	sc_post(1, act_switch_to, x);
	sc_wait_parked(1);
	sc_post(0, act_exit, NULL);            /* the last user, while cpu1 switches */
	sc_wait("cpu0 to finish or to wait for an IPI", idle_or_ipi_cond, 0);
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 11. ... parked after leaving mm_cpumask(prev), before the CR3 write. */
static int sc_switching_window(void)
{
	return switch_window(SP_SWITCH_MM_SWITCHING);
}

/* 12. ... parked after loaded_mm = next is published, before switch_ldt(). */
static int sc_switch_ldt_window(void)
{
	return switch_window(SP_SWITCH_MM_PUBLISHED);
}

/* 9. A switch from a lazy mm to a user task races with that mm's teardown:
 *    CPU 1 is parked (irqs off) just before switch_mm_irqs_off(). */
static int sc_switch_race(void)
{
	return switch_window(SP_CTXSW_BEFORE_SWITCH_MM);
}

/* 10. A page table is unmapped while another CPU is lazy on the mm with
 *     that table in its paging-structure cache: the freed_tables flush
 *     must reach the lazy CPU (it leaves the mm) before the table is freed. */
static int sc_unmap_while_lazy(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);

	for (int i = 1; i < MM_MAX_TABLES; i++)
		do_mmap(m);               /* every slot mapped: any walk caches one */
	sc_do(0, act_switch_to, b);
	sc_do(1, act_switch_to, a);
	for (int i = 0; i < 16; i++)
		sc_do(1, act_touch, NULL); /* fill CPU 1's paging-structure cache */
	sc_do(1, act_block, NULL);         /* lazy on m */
	for (int i = 0; i < MM_MAX_TABLES; i++)
		sc_do(0, act_munmap, NULL); /* each: freed_tables flush, then free */
	for (int i = 0; i < 4; i++)
		sc_do(1, act_walk, NULL);  /* the lazy CPU walks speculatively */
	sc_do(1, act_switch_to, a);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

static const struct scenario scenarios[] = {
	{ "hotpath", "user A -> idle -> user A on two CPUs, one mm (context_switch1)", 2, false, false, sc_hotpath },
	{ "last-exit-lazy", "last thread exits while two CPUs are lazy on its mm (no page tables)", 3, false, true, sc_last_exit_lazy },
	{ "mmdrop-other-cpu", "the final mmdrop runs on another CPU, in atomic context", 3, false, true, sc_mmdrop_other_cpu },
	{ "flush-vs-lazy-return", "a freed_tables flush races with a lazy CPU returning to the same mm", 2, false, false, sc_flush_vs_lazy_return },
	{ "ipi-in-finish-switch", "a teardown IPI between context_switch() and finish_task_switch()", 2, false, true, sc_ipi_in_finish_switch },
	{ "kthread-use-teardown", "kthread_use_mm() against an mm being torn down", 2, false, true, sc_kthread_use_teardown },
	{ "kthread-exec-preempt", "exec from a kernel thread, preempted and migrated before the lazy drop", 2, false, true, sc_kthread_exec_preempt },
	{ "mm-reuse", "an mm's address reused right after it is freed", 2, true, true, sc_mm_reuse },
	{ "switch-race", "a CPU leaves its lazy mm for a user task while the mm is torn down", 2, false, true, sc_switch_race },
	{ "unmap-while-lazy", "a page table is freed while a lazy CPU has it cached", 2, false, true, sc_unmap_while_lazy },
	{ "switching-window", "teardown while a CPU switching away has left mm_cpumask but CR3 still holds the mm", 2, false, true, sc_switching_window },
	{ "switch-ldt-window", "teardown between loaded_mm = next and switch_ldt()'s read of prev", 2, false, true, sc_switch_ldt_window },
};
#define NR_SCENARIOS ((int)ARRAY_SIZE(scenarios))

int scenario_count(void)
{
	return NR_SCENARIOS;
}

const char *scenario_name(int i)
{
	return scenarios[i].name;
}

struct sc_run {
	const struct scenario *s;
	int bad;
};

/* The host thread is the scenario's controller. */
static void sc_run(void *arg)
{
	struct sc_run *a = arg;

	a->bad = a->s->run();
}

static const struct lm_driver scenario_driver = {
	.name = "scenario",
	.cpu_main = sc_cpu_main,
	.point = sc_point,
	.preempt = sc_preempt,
	.run = sc_run,
};

int scenario_run_by_index(int i, const struct lazy_tlb_ops *ops, const char *mutant,
			  bool quiet, struct scenario_result *res)
{
	const struct scenario *s = &scenarios[i];
	struct lm_config cfg = {
		.nr_cpus = s->cpus, .seed = 1, .ops = ops, .mutant = mutant,
		.flush_mode = FLUSH_IPI, .ipi_mode = IPI_POLL, .reuse_addresses = s->reuse,
		.pin = false, .wait_timeout_ns = SC_TIMEOUT_NS,
		.max_reports = quiet ? -1 : 3,
	};
	struct sc_run a = { s, 0 };
	int bad, v;

	memset(scc, 0, sizeof(scc));
	sc_timed_out = false;
	sc_preempt_to = -1;
	v = lm_run(&cfg, &scenario_driver, &a, quiet ? NULL : stdout);
	if (v < 0)
		return -1;
	bad = a.bad;
	res->violations = v;
	if (sc_timed_out) {
		res->passed = false;
		res->why = "timed out";
	} else if (bad) {
		res->passed = false;
		res->why = "scenario check failed";
	} else {
		res->passed = v == 0;
		res->why = v ? "violations" : "no violation";
	}
	return 0;
}

static void scenario_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm scenario NAME [--scheme NAME] [--mutant NAME]\n"
		"       lazymm scenario --all [--scheme NAME]\n"
		"       lazymm scenario --list\n"
		"  NAME            a scenario from --list\n"
		"  --scheme NAME   lazy-mm tracking scheme (default refcount)\n"
		"  --mutant NAME   a broken variant of the scheme\n"
		"  --all           run every scenario; exit 0 only if each one's outcome is the\n"
		"                  expected one for the scheme: no violation for a correct\n"
		"                  scheme; for 'none', a violation exactly in the scenarios\n"
		"                  that can expose a missing lazy reference\n"
		"Exit status: 0 pass, 1 violations (or unexpected outcome with --all), 2 usage.\n");
}

int cmd_scenario(int argc, char **argv)
{
	const char *C = "scenario", *name = NULL, *mutant = NULL;
	const struct lazy_tlb_ops *ops = lazy_find("refcount");
	bool all = false;
	int idx = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			scenario_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--list")) {
			for (int k = 0; k < NR_SCENARIOS; k++)
				printf("  %-22s %s%s\n", scenarios[k].name, scenarios[k].desc,
				       scenarios[k].exposes ? " [fails with none]" : "");
			return EXIT_OK;
		} else if (!strcmp(a, "--all")) {
			all = true;
		} else if (!strcmp(a, "--scheme")) {
			ops = parse_scheme(C, scenario_usage, opt_value(C, scenario_usage, argc, argv, &i));
		} else if (!strcmp(a, "--mutant")) {
			mutant = opt_value(C, scenario_usage, argc, argv, &i);
		} else if (a[0] == '-') {
			usage_error(C, scenario_usage, "unknown option '%s'", a);
		} else if (!name) {
			name = a;
		} else {
			usage_error(C, scenario_usage, "only one scenario name may be given ('%s', '%s')", name, a);
		}
	}
	if (mutant)
		parse_mutant(C, scenario_usage, ops, mutant);
	if (all && name)
		usage_error(C, scenario_usage, "give a scenario name or --all, not both");
	if (all && mutant)
		usage_error(C, scenario_usage, "--all checks a scheme as designed; for mutants use 'lazymm mutants --check'");
	if (!all && !name)
		usage_error(C, scenario_usage, "a scenario name (see --list) or --all is required");
	if (name) {
		for (int k = 0; k < NR_SCENARIOS; k++)
			if (!strcmp(scenarios[k].name, name))
				idx = k;
		if (idx < 0)
			usage_error(C, scenario_usage, "unknown scenario '%s'; see 'lazymm scenario --list'", name);
	}
	if (all) {
		int unexpected = 0;

		for (int k = 0; k < NR_SCENARIOS; k++) {
			struct scenario_result r;
			bool expect_fail = !lazy_safe(ops) && scenarios[k].exposes;
			bool ok;

			if (scenario_run_by_index(k, ops, NULL, true, &r) != 0)
				return EXIT_ERROR;
			ok = expect_fail ? !r.passed && r.violations > 0 : r.passed;
			if (!ok)
				unexpected++;
			printf("%-4s %-22s %-10s %s (%d violation(s))%s\n", ok ? "ok" : "BAD",
			       scenarios[k].name, ops->name, r.passed ? "PASS" : "FAIL", r.violations,
			       expect_fail ? ", expected to fail" : "");
		}
		printf("%d scenario(s), %d unexpected outcome(s)\n", NR_SCENARIOS, unexpected);
		return unexpected ? EXIT_VIOLATION : EXIT_OK;
	} else {
		struct scenario_result r;

		printf("scenario %s: %s\n", scenarios[idx].name, scenarios[idx].desc);
		if (scenario_run_by_index(idx, ops, mutant, false, &r) != 0)
			return EXIT_ERROR;
		printf("%s: %s, scheme %s%s%s: %s (%d violation(s))\n", r.passed ? "PASS" : "FAIL",
		       scenarios[idx].name, ops->name, mutant ? ", mutant " : "", mutant ? mutant : "",
		       r.why, r.violations);
		return r.passed ? EXIT_OK : EXIT_VIOLATION;
	}
}
