/*
 * workloads.c - the benchmark's workloads, as model tasks.
 *
 * Each workload's boot() runs on CPU 0 before the CPUs enter cpu_loop():
 * it creates the tasks, each pinned to a CPU (wake-ups go back to the
 * task's CPU, as will-it-scale's affinity does).  A task counts one
 * operation with count_event(CNT_ROUND_TRIP); the harness reads that
 * counter from its snapshots.  Once lm_stopping() every task leaves
 * at its next step (waking whoever waits on it), so that the run ends with
 * every mm torn down and the leak check can speak.
 *
 *   idle_cycle       T tasks, task i on CPU i mod N; each blocks on a model
 *                    timer of its own CPU and is woken there: every cycle is
 *                    user -> idle (lazy) -> user on that CPU alone
 *   context_switch1  T ping-pong pairs over model pipes; pair i on CPUs 2i
 *                    and 2i+1 (mod N); only the first task of a pair counts
 *                    round trips (will-it-scale's main loop: write, read, count)
 *   exit             a parent forks a child process that spreads K threads
 *                    on CPUs 1..K; they exit (leaving those CPUs lazy on the
 *                    mm), then the child exits: the last mmput tears it down
 *   tlb_flush        T threads map, touch, unmap (a freed_tables flush, which
 *                    IPIs lazy CPUs too) and flush PTEs only (which skips
 *                    them), then sleep briefly so that CPUs go lazy
 *
 * The mode decides which mm each task gets: threads share one mm (for exit:
 * the K threads belong to the dying process); processes give each task its
 * own (for exit: the K threads belong to the long-lived parent instead, so
 * their CPUs are lazy on an mm that is not being torn down).
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "../../model/harness.h"

const char *const bench_mode_names[MODE_NR] = { "threads", "processes" };

/* A task's private state (task->prog); freed when the task exits.  Each
 * on its own cache line: tasks of different CPUs write theirs every cycle. */
struct bench_prog {
	struct lm_pipe *in, *out;
	bool sent;          /* cs1: wrote, now reading; cycles: waiting to be woken */
	bool counts;        /* this task counts operations */
} __cacheline_aligned;

static struct bench_prog *prog_new(struct lm_pipe *in, struct lm_pipe *out, bool counts)
{
	struct bench_prog *pr = aligned_alloc(LM_CACHELINE, sizeof(*pr));

	if (!pr)
		abort();
	memset(pr, 0, sizeof(*pr));
	pr->in = in;
	pr->out = out;
	pr->counts = counts;
	return pr;
}

/* A process's fresh address space that maps one page table, so that its
 * exit_mmap() flushes with freed_tables (the bare-metal x86 path). */
static struct mm_struct *new_mm(bool map)
{
	return lm_new_mm(map);
}

/* Models copy_process()+wake_up_new_task(): the caller already holds the
 * mm_users reference the task takes over. */
static struct task_struct *spawn(struct mm_struct *mm, task_step_fn step, void *prog, int cpu)
{
	return lm_spawn(mm, step, prog, cpu);
}

/* do_exit(): exit_mm(), then the last schedule(). */
static enum step_result task_exit(struct task_struct *tsk)
{
	return lm_task_exit(tsk);
}

/* threads: every task shares *shared (created on first use, then mmget);
 * processes: a new mm each time. */
static struct mm_struct *task_mm(struct mm_struct **shared)
{
	if (bench_world()->p->mode == MODE_PROCESSES)
		return new_mm(true);
	if (!*shared) {
		*shared = new_mm(true);
		return *shared;
	}
	mmget(*shared);
	return *shared;
}

/* ---- idle_cycle ---- */

/* idle_cycle and tlb_flush: each step does `work`, then the task sleeps
 * on a model timer of its CPU; each wake-up is one counted operation. */
static inline enum step_result timed_cycle(struct task_struct *tsk,
					   void (*work)(struct mm_struct *mm))
{
	struct bench_prog *pr = tsk->prog;

	if (lm_stopping())
		return task_exit(tsk);
	if (pr->sent) {              /* woken by the timer: one round trip */
		pr->sent = false;
		count_event(CNT_ROUND_TRIP);
	}
	work(tsk->mm);
	pr->sent = true;
	return lm_sleep_for(tsk, bench_world()->p->delay_ns);
}

/* T tasks of timed_cycle() steps, task i on CPU i mod N. */
static void timed_cycle_boot(task_step_fn step)
{
	struct mm_struct *shared = NULL;

	for (int i = 0; i < bench_world()->p->tasks; i++)
		spawn(task_mm(&shared), step, prog_new(NULL, NULL, true), i % lm.cfg.nr_cpus);
}

static void cycle_work(struct mm_struct *mm)
{
	touch_user_memory(mm);
}

static enum step_result cycle_step(struct task_struct *tsk)
{
	return timed_cycle(tsk, cycle_work);
}

static void cycle_boot(void)
{
	timed_cycle_boot(cycle_step);
}

/* ---- context_switch1 ---- */

static enum step_result cs1_step(struct task_struct *tsk)
{
	struct bench_prog *pr = tsk->prog;
	bool round_trip;
	enum step_result r = lm_pingpong_step(tsk, pr->in, pr->out, &pr->sent, &round_trip);

	if (round_trip && pr->counts)     /* pr is freed if the task exited */
		count_event(CNT_ROUND_TRIP);
	return r;
}

static void cs1_boot(void)
{
	struct mm_struct *shared = NULL;
	int n = lm.cfg.nr_cpus;

	for (int i = 0; i < bench_world()->p->tasks; i++) {
		struct lm_pipe *a = &bench_world()->pipes[2 * i], *b = &bench_world()->pipes[2 * i + 1];
		struct bench_prog *main_pr = prog_new(b, a, true);    /* writes a, reads b */
		struct bench_prog *partner = prog_new(a, b, false);   /* reads a, writes b */

		partner->sent = true;                                 /* starts by reading */
		spawn(task_mm(&shared), cs1_step, main_pr, (2 * i) % n);
		spawn(task_mm(&shared), cs1_step, partner, (2 * i + 1) % n);
	}
}

static int pipes_per_pair(const struct bench_params *p)
{
	return 2 * p->tasks;
}

/* ---- exit ---- */

/*
 * One iteration: the parent (CPU 0, its own long-lived mm) forks a child
 * process C (a new mm, CPU 0) and waits on pipe 0.  C clones K threads,
 * one on each of CPUs 1..K, and waits for K tokens on pipe 1.  Each thread
 * touches memory, exit_mm()s (its CPU is now lazy on the mm: kernel ->
 * idle hands the mm over) and writes pipe 1.  Then C exits: the last
 * mmput(), exit_mmap(), mmdrop() and, for every scheme but refcount,
 * __mmdrop() with the scheme's cleanup, all on CPU 0.  C writes pipe 0;
 * the parent counts one teardown cycle and forks again.
 */
static enum step_result exit_thread_step(struct task_struct *tsk)
{
	touch_user_memory(tsk->mm);
	exit_mm();                        /* this CPU: lazy on the mm from here */
	lm_pipe_write(&bench_world()->pipes[1]);
	return task_exit(tsk);            /* exit_mm() again: nothing left */
}

static void exit_clone_threads(struct task_struct *tsk)
{
	int n = lm.cfg.nr_cpus;

	for (int j = 1; j <= bench_world()->p->tasks; j++) {
		struct mm_struct *mm = bench_world()->p->mode == MODE_THREADS ? tsk->mm : bench_world()->parent_mm;

		mmget(mm);
		spawn(mm, exit_thread_step, prog_new(NULL, NULL, false), j % n);
	}
}

static enum step_result exit_child_step(struct task_struct *tsk)
{
	struct bench_prog *pr = tsk->prog;

	if (!pr->sent) {
		touch_user_memory(tsk->mm);
		exit_clone_threads(tsk);
		pr->sent = true;
	}
	while (bench_world()->received < bench_world()->p->tasks) {
		if (!lm_pipe_read(&bench_world()->pipes[1], tsk))
			return STEP_BLOCK;
		bench_world()->received++;
	}
	exit_mm();                        /* the last user: the teardown */
	lm_pipe_write(&bench_world()->pipes[0]);
	return task_exit(tsk);
}

static enum step_result exit_parent_step(struct task_struct *tsk)
{
	struct bench_prog *pr = tsk->prog;

	if (pr->sent) {                   /* a child is out: wait for its exit */
		if (!lm_pipe_read(&bench_world()->pipes[0], tsk))
			return STEP_BLOCK;
		pr->sent = false;
		count_event(CNT_ROUND_TRIP);
	}
	if (lm_stopping())
		return task_exit(tsk);
	bench_world()->received = 0;
	touch_user_memory(tsk->mm);
	spawn(new_mm(bench_world()->p->exit_map), exit_child_step, prog_new(NULL, NULL, false), 0);
	pr->sent = true;
	return STEP_CONTINUE;
}

static void exit_boot(void)
{
	bench_world()->parent_mm = new_mm(true);
	bench_world()->received = 0;
	spawn(bench_world()->parent_mm, exit_parent_step, prog_new(NULL, NULL, true), 0);
}

static int exit_pipes(const struct bench_params *p)
{
	(void)p;
	return 2;
}

/* ---- tlb_flush ---- */

static void flush_work(struct mm_struct *mm)
{
	do_mmap(mm);
	touch_user_memory(mm);
	do_munmap(mm);                            /* freed_tables: lazy CPUs too */
	flush_tlb_mm_range(mm, false, false);     /* PTEs only: lazy CPUs skipped */
}

static enum step_result flush_step(struct task_struct *tsk)
{
	return timed_cycle(tsk, flush_work);
}

static void flush_boot(void)
{
	timed_cycle_boot(flush_step);
}

static int no_pipes(const struct bench_params *p)
{
	(void)p;
	return 1;
}

const struct bench_wl_desc bench_wls[WL_NR] = {
	[WL_IDLE_CYCLE] = {
		.name = "idle_cycle", .op = "idle round trips",
		.desc = "each task blocks and is woken on its own CPU by a model timer",
		.mode_desc = { "one mm shared by every task", "an mm per task (control)" },
		.cpus_per_task = 1, .tasks_min = 1, .in_default = true,
		.nr_pipes = no_pipes, .boot = cycle_boot,
	},
	[WL_CONTEXT_SWITCH1] = {
		.name = "context_switch1", .op = "round trips",
		.desc = "ping-pong pairs over model pipes, each pair on two CPUs",
		.mode_desc = { "one mm shared by every task (the RFC's case)",
			       "an mm per task, as fork() gives (control)" },
		.cpus_per_task = 2, .tasks_min = 1, .in_default = true,
		.nr_pipes = pipes_per_pair, .boot = cs1_boot,
	},
	[WL_EXIT] = {
		.name = "exit", .op = "fork+exit cycles",
		.desc = "a process exits while K other CPUs are lazy (tasks = K)",
		.mode_desc = { "the K CPUs are lazy on the dying mm",
			       "the K CPUs are lazy on another mm (control)" },
		.cpus_per_task = 1, .cpus_extra = 1, .tasks_min = 0,
		.in_default = true, .teardown = true,
		.nr_pipes = exit_pipes, .boot = exit_boot,
	},
	[WL_TLB_FLUSH] = {
		.name = "tlb_flush", .op = "map/unmap cycles",
		.desc = "threads map, unmap (freed_tables flush) and flush PTEs, then sleep",
		.mode_desc = { "one mm shared by every task", "an mm per task (control)" },
		.cpus_per_task = 1, .tasks_min = 1,
		.nr_pipes = no_pipes, .boot = flush_boot,
	},
};
