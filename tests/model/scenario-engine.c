/*
 * scenario-engine.c - the deterministic scenarios' engine (scenario.h).
 *
 * The CPUs are the same host threads as in torture, but they do nothing on
 * their own: each waits for the controller (this file, on the main thread)
 * to hand it an action (switch to a task, block, exit, exec, munmap ...),
 * through a mailbox.
 * A scenario parks a CPU at a named model point (model.h, enum lm_point),
 * lets another CPU run into the window, and releases it.  IPIs are
 * delivered only where irqs are on: while a parked CPU waits with irqs on,
 * it takes them; while it is parked with irqs off, they wait, and so does
 * a sender that asked to wait.  Every wait is bounded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"
#include "../../model/harness.h"

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
 *   parked  the CPU says where it parked, and whether irqs were off
 *           there (parked_irqs_off, written first) [pair:sc-parked]
 *   release the controller lets it go on [pair:sc-release]
 */
struct sc_cpu {
	_Atomic(void (*)(void *)) fn;
	void *arg;
	_Atomic int busy;          /* an action is posted or running */
	_Atomic int brk;           /* park at this point (SP_NONE: no) */
	_Atomic int parked;        /* the point parked at, 0 if not */
	_Atomic int parked_irqs_off; /* irqs were off where it parked */
	_Atomic int release;
};

static struct sc_cpu scc[SC_MAX_CPUS];
int sc_preempt_to = -1;
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
	/* The parked code's irq state, taken here: irq.off itself also reads
	 * 1 for a moment whenever the CPU takes an IPI while parked with irqs
	 * on (local_irq_enable() and the signal handler set it before they
	 * drain the queue), which a controller must not mistake for "parked
	 * with irqs off". */
	atomic_store_explicit(&s->parked_irqs_off, irqs_disabled(), memory_order_relaxed);
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

bool sc_wait(const char *what, bool (*cond)(int), int arg)
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
/* [pair:sc-done] */
bool sc_idle(int cpu) { return cpu_idle_cond(cpu); }
/* [pair:sc-parked] */
static bool cpu_parked_cond(int cpu) { return atomic_load_explicit(&scc[cpu].parked, memory_order_acquire) != 0; }
/* [pair:sc-parked]: parked_irqs_off is read after seeing parked */
static bool parked_irqs_off(int cpu)
{
	return cpu_parked_cond(cpu) &&
	       atomic_load_explicit(&scc[cpu].parked_irqs_off, memory_order_relaxed);
}
/* cpu finished its action, or it is parked at its break */
bool parked_or_idle_cond(int cpu)
{
	return cpu_parked_cond(cpu) || cpu_idle_cond(cpu);
}

/*
 * cpu finished its action, or it is blocked on what a parked CPU holds up,
 * so that from now on the outcome does not depend on timing: it waits in
 * csd_lock_wait() for a CPU parked with irqs off (that CPU takes the IPI
 * only once released), or a teardown on it waits for a CPU in the offline
 * window.  "An IPI is queued somewhere" is not enough: the queue is also
 * non-empty for a moment before a CPU with irqs on drains it, and before
 * the sender has queued to the parked CPU at all.
 */
bool done_or_blocked_cond(int cpu)
{
	int target;

	if (cpu_idle_cond(cpu) ||
	    atomic_load_explicit(&cpu_of(cpu)->hp.waiting_dying, memory_order_acquire))
		return true;
	target = atomic_load_explicit(&cpu_of(cpu)->irq.csd_wait_target, memory_order_relaxed) - 1;
	return target >= 0 && target != cpu && parked_irqs_off(target);
}

/* Post an action to cpu; do not wait. */
void sc_post(int cpu, void (*fn)(void *), void *arg)
{
	if (!sc_wait("the CPU to finish its previous action", cpu_idle_cond, cpu))
		return;
	scc[cpu].arg = arg;
	atomic_store_explicit(&scc[cpu].busy, 1, memory_order_relaxed);
	atomic_store_explicit(&scc[cpu].fn, fn, memory_order_release);      /* [pair:sc-post] */
}

/* Post an action and wait for it to complete. */
void sc_do(int cpu, void (*fn)(void *), void *arg)
{
	sc_post(cpu, fn, arg);
	sc_wait("an action to complete", cpu_idle_cond, cpu);
}

void sc_break(int cpu, int point)
{
	atomic_store_explicit(&scc[cpu].brk, point, memory_order_release);  /* [pair:sc-brk] */
}

void sc_wait_parked(int cpu)
{
	sc_wait("a CPU to park", cpu_parked_cond, cpu);
}

void sc_release(int cpu)
{
	atomic_store_explicit(&scc[cpu].release, 1, memory_order_release);  /* [pair:sc-release] */
}

void sc_sync(int cpu)
{
	sc_wait("an action to complete", cpu_idle_cond, cpu);
}

/* ---- actions (run on a CPU) ---- */

void act_switch_to(void *arg)
{
	struct task_struct *t = arg;

	atomic_store_explicit(&t->state, TASK_RUNNING, memory_order_relaxed);
	activate_task_on(t, lm_this->cpu);
	schedule();
}

void act_schedule(void *arg)
{
	(void)arg;
	schedule();
	if (current->cont) {
		task_cont_fn cont = current->cont;

		current->cont = NULL;
		cont(current);
	}
}

void act_block(void *arg)
{
	(void)arg;
	atomic_store_explicit(&current->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	schedule();
}

void act_exit(void *arg)
{
	(void)arg;
	exit_mm();
	do_task_dead();
}

void act_touch(void *arg)
{
	(void)arg;
	touch_user_memory(current->mm);
}

void act_walk(void *arg)
{
	(void)arg;
	speculative_walk();
}

void act_munmap(void *arg)
{
	(void)arg;
	do_munmap(current->mm);
}

void act_exec(void *arg)
{
	current->flags &= ~PF_KTHREAD;
	if (exec_mmap(arg))
		schedule();              /* preempted: moved before the lazy drop */
}

void act_irqs_off_hold(void *arg)
{
	(void)arg;
	local_irq_disable();
	sim_point(SP_SC_HOLD);
	local_irq_enable();
}

void act_kthread_cycle(void *arg)
{
	struct mm_struct *mm = arg;

	if (!mmget_not_zero(mm))
		return;
	kthread_use_mm(mm);
	touch_user_memory(mm);
	kthread_unuse_mm(mm);
	mmput(mm);                       /* the last user, here */
}

void act_mmdrop_atomic(void *arg)
{
	preempt_disable();               /* a khugepaged-like holder */
	mmdrop(arg);
	preempt_enable();
}

void act_mmgrab(void *arg)
{
	mmgrab(arg);
}

/* ---- building blocks ---- */

struct mm_struct *new_mm(bool map)
{
	return lm_new_mm(map);
}

/* A user task of mm (a thread: one more mm_users unless first). */
struct task_struct *new_user(struct mm_struct *mm, bool first)
{
	if (!first)
		mmget(mm);
	return lm_task_create(mm, NULL, NULL, 0);
}

struct task_struct *new_kthread(void)
{
	return lm_task_create(NULL, NULL, NULL, 0);
}

/* Run a user task of a fresh mm on cpu and exit it: the CPU switches away
 * from whatever it had loaded (switch_mm_irqs_off() dereferences it). */
void sc_run_fresh(int cpu)
{
	struct task_struct *t = new_user(new_mm(true), true);

	sc_do(cpu, act_switch_to, t);
	sc_do(cpu, act_touch, NULL);
	sc_do(cpu, act_walk, NULL);
	sc_do(cpu, act_exit, NULL);
}


/* ---- running one scenario ---- */

int scenario_count(void)
{
	return nr_scenarios;
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

