/*
 * harness.h - the one runner under every driver (torture, the benchmark,
 * the scenarios, the litmus test).
 *
 * A driver is a struct lm_driver: what a CPU runs, the hooks the model
 * calls (tick, idle, model points, preemption), and what the host thread
 * does while the CPUs run.  lm_run() owns the machine's lifecycle:
 *
 *   lm_machine_init -> per-CPU data, hooks -> lm_machine_start
 *     -> driver.run (host thread) -> lm_stop_tasks -> lm_machine_offline_all
 *     -> lm_machine_stop -> driver.report -> lm_machine_fini -> hooks cleared
 *
 * with every error path (init failure, thread start failure, an aborted
 * run) handled here once.  The harness also gives drivers what they share:
 * live-task accounting and a stop request, task creation and exit, fresh
 * mms, model pipes, per-CPU model timers, and teardown statistics taken at
 * model points (never by fields of the mm).
 */
#ifndef LAZYMM_HARNESS_H
#define LAZYMM_HARNESS_H

#include "model.h"

#define LM_TIMERS 64            /* model timers per simulated CPU */

struct lm_driver {
	const char *name;                           /* for messages: "torture" */
	size_t cpu_size;                            /* per-CPU data (c->drv), zeroed; 0: none */
	/* on CPU 0, before its loop: create the workload's tasks */
	void (*boot)(void);
	/* what a CPU runs instead of boot + cpu_loop() (scenarios, litmus) */
	void (*cpu_main)(struct lm_cpu *c);
	void (*tick)(struct lm_cpu *c);             /* after this CPU's timers fired */
	void (*idle)(struct lm_cpu *c);
	void (*point)(int point, struct mm_struct *mm);
	int  (*preempt)(struct task_struct *tsk, int point);
	/* where a model timer wakes its task (runs on the timer's CPU);
	 * NULL: the task's own CPU */
	int  (*timer_cpu)(struct task_struct *t);
	/* the host thread while the CPUs run; lm_run() stops the tasks after */
	void (*run)(void *arg);
	/* after the CPUs stopped, before the leak check: read the counters */
	void (*report)(void *arg);
	/* record teardown statistics (lm_teardown_stats()) */
	bool teardown_stats;
};

/*
 * Run one machine with cfg under drv.  `out` gets the leak report (NULL:
 * silent).  Returns -1 if the machine could not be brought up (said on
 * stderr, nothing left allocated), else the run's violations, leaks
 * included (lm.violations[] keeps the detail until the next run).
 */
int lm_run(const struct lm_config *cfg, const struct lm_driver *drv, void *arg, FILE *out);

/* The arg of the lm_run() in progress: the driver's run state, for hooks
 * and task steps that get no argument of their own. */
static inline void *lm_run_arg(void)
{
	return lm.run_arg;
}

static inline bool lm_aborted(void)
{
	return atomic_load_explicit(&lm.abort, memory_order_relaxed) != 0;
}

/* ---- tasks ---- */

/* The stop request: tasks leave at their next step. */
bool lm_stopping(void);
/* Ask every task to stop and wait (bounded) until none is live.  Bounded
 * by the CPU time the simulated CPUs got, not only wall time: a starved
 * host must not look like a hang.  Idempotent. */
void lm_stop_tasks(void);
int lm_live_tasks(void);
/* One more live task: false (nothing counted) when max > 0 and max tasks
 * are live or a stop was requested; max == 0 always succeeds. */
bool lm_task_reserve(int max);
/* A task for a reserved slot (copy_process()): a user task of mm, which
 * hands it the mm_users reference the caller holds, or a kernel thread
 * (mm NULL); not yet woken. */
struct task_struct *lm_task_create(struct mm_struct *mm, task_step_fn step, void *prog, int cpu);
/* Reserve, create and wake_up_new_task() on cpu. */
struct task_struct *lm_spawn(struct mm_struct *mm, task_step_fn step, void *prog, int cpu);
/* do_exit(): free the task's prog, exit_mm(), the task is no longer live.
 * Returns STEP_EXIT for the step function to return. */
enum step_result lm_task_exit(struct task_struct *tsk);

/* A fresh mm (mm_alloc()), mapping one page table if map. */
struct mm_struct *lm_new_mm(bool map);

/* ---- model timers: per CPU, fired by the harness's tick ---- */

/* Block tsk (TASK_INTERRUPTIBLE); this CPU's tick wakes it after ns.
 * Returns the step result for the caller to return. */
enum step_result lm_sleep_for(struct task_struct *tsk, uint64_t ns);
int lm_timers_pending(struct lm_cpu *c);

/* ---- model pipes: a lost-wakeup-safe token channel between tasks ---- */

struct lm_pipe {
	_Atomic int tokens;
	_Atomic(struct task_struct *) waiter;
} __cacheline_aligned;

void lm_pipe_write(struct lm_pipe *p);
/* Take a token (true), or register tsk as the waiter, set it
 * TASK_INTERRUPTIBLE and return false: the step returns STEP_BLOCK. */
bool lm_pipe_read(struct lm_pipe *p, struct task_struct *tsk);

/*
 * One step of a ping-pong partner (will-it-scale's context_switch1 loop):
 * unless its token is already out (*sent), touch user memory and write
 * one; then read one.  Returns STEP_BLOCK while the partner has not
 * answered, STEP_CONTINUE with *round_trip set once it has.  On a stop
 * request: write once more, so that the partner sees the end too, and
 * exit (lm_task_exit(): the prog holding *sent is freed).
 */
enum step_result lm_pingpong_step(struct task_struct *tsk, struct lm_pipe *in,
				  struct lm_pipe *out, bool *sent, bool *round_trip);

/* ---- teardown statistics (drv->teardown_stats) ---- */

struct lm_teardown {
	uint64_t count;            /* mms freed (__mmdrop()) */
	uint64_t sum_ns, max_ns;   /* mm_users reached 0 -> freed */
	uint64_t cpus_exit_mmap;   /* sum of mm_cpumask weights at exit_mmap() */
	uint64_t cpus_mmdrop;      /* ... and at __mmdrop() */
};
void lm_teardown_stats(struct lm_teardown *out);

/* ---- host threads' CPU time (the benchmark's availability) ---- */

/* The host CPU time simulated CPU i's thread has had (while it runs). */
uint64_t lm_cpu_thread_ns(int i);
/* The least CPU time any simulated CPU's thread had since since[]. */
uint64_t lm_least_cpu_since(const uint64_t *since);

/* ---- CPU hotplug cycling (cfg.hotplug; hotplug.c, model/cpu.c) ---- */

/* The harness calls these: CPU 0's tick plays the controlling CPU; after
 * driver.run, lm_hotplug_quiesce() brings every CPU back online (bounded)
 * before the tasks stop. */
void lm_hotplug_reset(void);
void lm_hotplug_tick(struct lm_cpu *c);
int lm_hotplug_quiesce(void);
/* Offline/online cycles completed (read after the run). */
uint64_t lm_hotplug_cycles(void);

#endif /* LAZYMM_HARNESS_H */
