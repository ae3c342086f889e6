/*
 * torture.c - `lazymm torture`: a random mix of everything that creates,
 * uses, hands over and destroys address spaces, with every checker on.
 *
 * The workload (rcutorture-style, all decisions from per-CPU RNGs seeded
 * by --seed):
 *   user tasks    touch memory, map and unmap page tables, sleep, yield and
 *                 migrate, clone threads, fork processes (some that never
 *                 map anything, so exit_mmap() flushes nothing), exec, exit
 *   ping-pong     pairs of threads of one process over model pipes
 *   kworker       khugepaged-like kernel threads (1 + cpus/4) sharing a
 *                 table of mm slots, each holding an mm_count reference:
 *                 under the table's lock (khugepaged_mm_lock) a slot's mm
 *                 is loaded and pinned with mmget_not_zero(), or, dead,
 *                 taken out of its slot and dropped (maybe the final
 *                 mmdrop()); then kthread_use_mm() + touch +
 *                 kthread_unuse_mm() + mmput() outside the lock
 *   usermodehelper kernel threads that exec, preempted and migrated between
 *                 the switch and the lazy drop
 *   chaos         at model points: random delays and speculative page walks;
 *                 in idle: cpuidle's leave_mm()
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../model/harness.h"

#define TT_KSLOTS   16
#define TT_PAIRS_MAX 8

enum tt_kind { TT_USER, TT_PINGPONG, TT_KWORKER, TT_UMH };

struct tt_prog {
	enum tt_kind kind;
	int steps_left;
	bool maps;
	struct lm_pipe *in, *out;
	bool sent;
	struct mm_struct *using;   /* a kworker preempted inside kthread_use_mm() */
};

/* The run's state: lm_run()'s argument (tts()), no file-scope state. */
struct tt_state {
	const struct torture_params *p;
	struct torture_result *r;
	FILE *out;
	int max_tasks;
	/* khugepaged's mm_slot table: each slot holds an mm_count reference;
	 * every load, pin and emptying of a slot is under kslots_lock
	 * (khugepaged_mm_lock, a spinlock: taken with irqs on) */
	atomic_flag kslots_lock;
	struct mm_struct *kslots[TT_KSLOTS];
	bool kslots_closed;          /* swept at shutdown: no registration after */
	struct lm_pipe pipes[2 * TT_PAIRS_MAX];
	int pairs;
	_Atomic uint64_t first_violation_ns;
	uint64_t t0;
};

static inline struct tt_state *tts(void)
{
	return lm_run_arg();
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(lm_rand(lm_this) % n);
}

/* Where a model timer wakes its task: mostly its own CPU. */
static int tt_timer_cpu(struct task_struct *task)
{
	return rnd(4) ? task->cpu : (int)rnd((unsigned)lm.cfg.nr_cpus);
}

/* ---- task creation and exit ---- */

static enum step_result user_step(struct task_struct *tsk);
static enum step_result pingpong_step(struct task_struct *tsk);
static enum step_result kworker_step(struct task_struct *tsk);
static enum step_result umh_step(struct task_struct *tsk);

static struct tt_prog *prog_new(enum tt_kind kind)
{
	struct tt_prog *pr = calloc(1, sizeof(*pr));

	if (!pr)
		abort();
	pr->kind = kind;
	pr->steps_left = 50 + (int)rnd(400);
	pr->maps = rnd(10) >= 4;       /* 40% never map anything */
	return pr;
}

static bool reserve_task(void)
{
	return lm_task_reserve(tts()->max_tasks);
}

/* khugepaged_mm_lock: a spinlock, so a waiter has irqs on and takes IPIs
 * (a holder may be waiting for one: its mmdrop() can be the final one). */
static void kslots_lock(void)
{
	struct lm_wait w = LM_WAIT("torture: khugepaged_mm_lock");

	preempt_disable();
	/* Acquire pairs with the release in kslots_unlock() [pair:kslots-lock]:
	 * the previous holder's slot updates are seen. */
	while (atomic_flag_test_and_set_explicit(&tts()->kslots_lock, memory_order_acquire)) {
		lm_irq_poll();
		if (!lm_wait_step(&w))
			break;
	}
}

static void kslots_unlock(void)
{
	atomic_flag_clear_explicit(&tts()->kslots_lock, memory_order_release);   /* [pair:kslots-lock] */
	preempt_enable();
}

/* A khugepaged-like registration (__khugepaged_enter()): the slot holds
 * mm_count, taken by the registering task, which holds mm_users. */
static void register_kslot(struct mm_struct *mm)
{
	int i = (int)rnd(TT_KSLOTS);
	bool taken = false;

	mmgrab(mm);
	kslots_lock();
	if (!tts()->kslots[i] && !tts()->kslots_closed) {
		tts()->kslots[i] = mm;
		taken = true;
	}
	kslots_unlock();
	if (!taken)
		mmdrop(mm);
}

/* Models copy_process() for a user task: a thread shares mm (mmget), a
 * process gets its own. */
static struct task_struct *spawn_user(struct mm_struct *mm, struct tt_prog *pr, task_step_fn step)
{
	return lm_task_create(mm, step, pr, (int)rnd((unsigned)lm.cfg.nr_cpus));
}

static enum step_result do_exit_task(struct task_struct *tsk)
{
	return lm_task_exit(tsk);
}

static void do_clone_thread(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	struct tt_prog *np;
	struct task_struct *t;

	if (!reserve_task())
		return;
	mmget(tsk->mm);
	np = prog_new(TT_USER);
	np->maps = pr->maps;
	t = spawn_user(tsk->mm, np, user_step);
	wake_up_new_task(t, t->cpu);
}

/* A new process (a reserved task) with its own mm, maybe registered with
 * the kworkers, woken on a random CPU. */
static void start_process(struct tt_prog *pr, struct mm_struct *mm, bool kslot)
{
	struct task_struct *t;

	if (kslot)
		register_kslot(mm);
	t = spawn_user(mm, pr, user_step);
	wake_up_new_task(t, t->cpu);
}

static void do_fork_process(struct task_struct *tsk)
{
	struct tt_prog *np;
	struct mm_struct *mm;

	if (!reserve_task())
		return;
	np = prog_new(TT_USER);
	mm = np->maps ? dup_mm(tsk->mm) : mm_alloc();
	start_process(np, mm, rnd(3) == 0);
}

static void do_exec(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	struct mm_struct *mm = mm_alloc();

	pr->maps = rnd(10) >= 4;
	if (pr->maps)
		do_mmap(mm);
	if (rnd(3) == 0)
		register_kslot(mm);
	exec_mmap(mm);            /* a user task's exec: mmput(old_mm) inside */
}

static enum step_result user_step(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	unsigned int r = rnd(100);

	if (lm_stopping() || --pr->steps_left <= 0)
		return do_exit_task(tsk);
	if (r < 30) {
		touch_user_memory(tsk->mm);
	} else if (r < 40) {
		if (pr->maps)
			do_mmap(tsk->mm);
	} else if (r < 46) {
		if (pr->maps)
			do_munmap(tsk->mm);
	} else if (r < 60) {
		return lm_sleep_for(tsk, rnd(40000));
	} else if (r < 68) {
		tsk->migrate_to = (int)rnd((unsigned)lm.cfg.nr_cpus);
		return STEP_YIELD;
	} else if (r < 73) {
		do_clone_thread(tsk);
	} else if (r < 77) {
		do_fork_process(tsk);
	} else if (r < 79) {
		do_exec(tsk);
	} else if (r < 82) {
		return do_exit_task(tsk);
	}
	return STEP_CONTINUE;
}

static enum step_result pingpong_step(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	bool round_trip;
	enum step_result r = lm_pingpong_step(tsk, pr->in, pr->out, &pr->sent, &round_trip);

	if (round_trip)
		count_event(CNT_ROUND_TRIP);
	return r;
}

static void spawn_umh(void)
{
	struct task_struct *t;

	if (!reserve_task())
		return;
	t = lm_task_create(NULL, umh_step, prog_new(TT_UMH), (int)rnd((unsigned)lm.cfg.nr_cpus));
	wake_up_new_task(t, t->cpu);
}

/* A usermodehelper: a kernel thread that execs into a user program. */
static enum step_result umh_step(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	struct mm_struct *mm;

	if (lm_stopping())
		return do_exit_task(tsk);
	mm = mm_alloc();
	pr->maps = rnd(2);
	if (pr->maps)
		do_mmap(mm);
	tsk->flags &= ~PF_KTHREAD;      /* begin_new_exec() */
	tsk->step = user_step;
	pr->kind = TT_USER;
	if (exec_mmap(mm))
		return STEP_YIELD;      /* preempted before the lazy drop */
	return STEP_CONTINUE;
}

/*
 * A khugepaged-like scan of one slot.  The slot's mm_count reference keeps
 * the mm_struct alive only while the mm is in the slot: the load, the pin
 * (mmget_not_zero()) and the emptying of a dead mm's slot are all under
 * khugepaged_mm_lock, as khugepaged's scan and collect_mm_slot() are, so
 * no other kworker can empty the slot and drop the last reference between
 * this one's load and its pin.  Once pinned, mm_users keeps the mm.
 */
/* The rest of a kworker's use of mm, after kthread_use_mm(). */
static void kworker_use_rest(struct mm_struct *mm)
{
	touch_user_memory(mm);
	kthread_unuse_mm(mm);
	mmput(mm);              /* may be the last user */
}

static enum step_result kworker_step(struct task_struct *tsk)
{
	struct tt_prog *pr = tsk->prog;
	int i = (int)rnd(TT_KSLOTS);
	struct mm_struct *mm;
	bool pinned = false;

	if (pr->using) {
		/* preempted (maybe moved) before kthread_use_mm()'s lazy drop,
		 * which its continuation ran: go on where it stopped */
		mm = pr->using;
		pr->using = NULL;
		kworker_use_rest(mm);
		return STEP_CONTINUE;
	}

	if (lm_stopping()) {
		/* the shutdown sweep: every slot emptied, its reference dropped */
		kslots_lock();
		tts()->kslots_closed = true;     /* a task exiting late registers nothing */
		for (int k = 0; k < TT_KSLOTS; k++) {
			mm = tts()->kslots[k];
			tts()->kslots[k] = NULL;
			if (mm)
				mmdrop(mm);
		}
		kslots_unlock();
		return do_exit_task(tsk);
	}
	if (rnd(50) == 0)
		spawn_umh();
	kslots_lock();
	mm = tts()->kslots[i];
	if (!mm) {
		kslots_unlock();
		return lm_sleep_for(tsk, rnd(20000));
	}
	/* the window the lock closes: chaos delays and walks here */
	sim_point_mm(SP_KHUGEPAGED_SLOT, mm);
	if (mmget_not_zero(mm)) {
		pinned = true;
	} else {
		/* collect_mm_slot(): maybe the final mmdrop, on this CPU, with
		 * preemption off (the lock is held) */
		tts()->kslots[i] = NULL;
		mmdrop(mm);
	}
	kslots_unlock();
	if (pinned) {
		sim_point(SP_KTHREAD_USE_AFTER_GET);
		if (kthread_use_mm(mm)) {
			pr->using = mm;         /* mm_users keeps it */
			return STEP_YIELD;
		}
		kworker_use_rest(mm);
	}
	if (rnd(4) == 0)
		return lm_sleep_for(tsk, rnd(20000));
	return STEP_CONTINUE;
}

/* ---- chaos ---- */

static void tt_point(int point, struct mm_struct *mm)
{
	struct lm_cpu *c = lm_this;
	unsigned int r;

	(void)mm;
	if (!c)
		return;
	r = (unsigned int)(lm_rand(c) & 1023);
	if (point == SP_IDLE) {
		if (r < 4)
			speculative_walk();
		else if (r == 5)
			leave_mm();            /* cpuidle: a TLB-losing C-state */
		return;
	}
	if (r < 64)
		speculative_walk();
	else if (r < 80)
		lm_spin_ns(r * 20);
}

static int tt_preempt(struct task_struct *tsk, int point)
{
	(void)point;
	if (rnd(2))
		return -1;
	tsk->migrate_to = (int)rnd((unsigned)lm.cfg.nr_cpus);
	return tsk->migrate_to;
}

static void tt_first_violation(void)
{
	uint64_t zero = 0;

	if (lm_total_violations())
		atomic_compare_exchange_strong_explicit(&tts()->first_violation_ns, &zero, lm_now_ns(),
							memory_order_relaxed, memory_order_relaxed);
}

static void tt_idle(struct lm_cpu *c)
{
	(void)c;
	if (!atomic_load_explicit(&tts()->first_violation_ns, memory_order_relaxed))
		tt_first_violation();
}

/* Boot, on CPU 0 before its loop: the initial tasks. */
static void tt_boot(void)
{
	int procs = 2 + lm.cfg.nr_cpus;

	for (int i = 0; i < procs; i++) {
		struct tt_prog *pr;
		struct mm_struct *mm;

		if (!reserve_task())
			break;
		pr = prog_new(TT_USER);
		mm = lm_new_mm(pr->maps);
		start_process(pr, mm, rnd(2));
	}
	for (int i = 0; i < tts()->pairs; i++) {
		struct mm_struct *mm = lm_new_mm(true);

		for (int k = 0; k < 2; k++) {
			struct tt_prog *pr = prog_new(TT_PINGPONG);

			if (k)
				mmget(mm);
			pr->in = &tts()->pipes[2 * i + k];
			pr->out = &tts()->pipes[2 * i + !k];
			pr->sent = k == 1;     /* one side starts by reading */
			lm_spawn(mm, pingpong_step, pr, (2 * i + k) % lm.cfg.nr_cpus);
		}
	}
	for (int i = 0; i < 1 + lm.cfg.nr_cpus / 4; i++)
		lm_spawn(NULL, kworker_step, prog_new(TT_KWORKER), (int)rnd((unsigned)lm.cfg.nr_cpus));
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

/* The host thread: announce, let the mix run for the duration. */
static void tt_run(void *arg)
{
	struct tt_state *a = arg;
	const struct torture_params *p = a->p;
	uint64_t end;

	if (!p->quiet)
		fprintf(a->out, "torture: scheme %s%s%s, %d CPUs (%s), %.1f s, seed %llu, flush %s, ipi %s%s\n",
			p->ops->name, p->mutant ? " mutant " : "", p->mutant ? p->mutant : "",
			p->cpus, lm.pinned ? "pinned" : p->cpus > lm_host_cpus() ?
			"NOT pinned: more simulated CPUs than host cores (oversubscribed)" : "not pinned",
			p->seconds, (unsigned long long)p->seed,
			p->flush_mode == FLUSH_IPI ? "ipi" : "broadcast",
			p->ipi_mode == IPI_SIGNAL ? "signal" : "poll",
			p->hotplug ? ", hotplug cycling" : "");
	end = tts()->t0 + (uint64_t)(p->seconds * 1e9);
	while (lm_now_ns() < end && !lm_aborted())
		sleep_ns(5000000);
}

/* After the CPUs stopped: the counters and the teardown statistics. */
static void tt_report(void *arg)
{
	struct tt_state *a = arg;
	struct torture_result *r = a->r;

	r->elapsed = (double)(lm_now_ns() - tts()->t0) / 1e9;
	r->switches = lm_total(CNT_CS_USER_USER) + lm_total(CNT_CS_USER_KERNEL) +
		      lm_total(CNT_CS_KERNEL_USER) + lm_total(CNT_CS_KERNEL_KERNEL);
	tt_first_violation();
	r->hotplug_cycles = lm_hotplug_cycles();
	if (!a->p->quiet) {
		struct lm_teardown td;

		if (a->p->hotplug)
			fprintf(a->out, "hotplug: %llu offline/online cycles, %llu teardown waits for a dying CPU\n",
				(unsigned long long)lm_hotplug_cycles(),
				(unsigned long long)lm_total(CNT_WAIT_DYING));
		fprintf(a->out, "counters:\n");
		lm_print_counters(a->out);
		lm_teardown_stats(&td);
		if (td.count)
			fprintf(a->out, "teardown: %llu mm(s) freed; mm_users==0 -> freed: mean %.1f us, max %.1f us; "
				"CPUs in mm_cpumask: %.2f at exit_mmap, %.2f at __mmdrop; %.3f teardown IPIs per mm\n",
				(unsigned long long)td.count, (double)td.sum_ns / (double)td.count / 1e3,
				(double)td.max_ns / 1e3, (double)td.cpus_exit_mmap / (double)td.count,
				(double)td.cpus_mmdrop / (double)td.count,
				(double)lm_total(CNT_IPI_TEARDOWN) / (double)td.count);
	}
	r->hung = lm_aborted();
}

static const struct lm_driver torture_driver = {
	.name = "torture",
	.boot = tt_boot,
	.idle = tt_idle,
	.point = tt_point,
	.preempt = tt_preempt,
	.timer_cpu = tt_timer_cpu,
	.run = tt_run,
	.report = tt_report,
	.teardown_stats = true,
};

int torture_run(const struct torture_params *p, struct torture_result *r, FILE *out)
{
	struct lm_config cfg = {
		.nr_cpus = p->cpus,
		.seed = p->seed,
		.ops = p->ops,
		.mutant = p->mutant,
		.flush_mode = p->flush_mode,
		.ipi_mode = p->ipi_mode,
		.reuse_addresses = true,
		.debug_shoot_lazies = true,
		.pin = true,
		.hotplug = p->hotplug,
		.max_reports = p->max_reports ? p->max_reports : 4,
	};
	struct tt_state *t = NULL;

	/* aligned: the model pipes inside sit on their own cache lines */
	if (posix_memalign((void **)&t, LM_CACHELINE, sizeof(*t)) == 0)
		memset(t, 0, sizeof(*t));
	if (!t) {
		fprintf(stderr, "lazymm torture: out of memory\n");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	t->p = p;
	t->r = r;
	t->out = out;
	t->max_tasks = 6 * p->cpus + 8;
	t->pairs = p->cpus / 2 > TT_PAIRS_MAX ? TT_PAIRS_MAX : (p->cpus + 1) / 2;
	atomic_flag_clear(&t->kslots_lock);
	t->t0 = lm_now_ns();
	if (lm_run(&cfg, &torture_driver, t, out) < 0) {
		free(t);
		return -1;
	}
	for (int i = 0; i < INV_NR; i++) {
		r->per_inv[i] = atomic_load_explicit(&lm.violations[i], memory_order_relaxed);
		r->violations += r->per_inv[i];
	}
	r->first_violation_s = t->first_violation_ns ?
		(double)(t->first_violation_ns - t->t0) / 1e9 : -1;
	free(t);
	return 0;
}
