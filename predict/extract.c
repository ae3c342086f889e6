/*
 * extract.c - operation templates, recorded by running the model.
 *
 * For every scheme of the registry, the model is run through each kind of
 * context switch and through the teardown, and the per-phase counters
 * (model.h, enum lm_phase) are read back and divided by the number of
 * operations of that kind: what one user->kernel switch, one lazy return,
 * one __mmdrop() ... does to shared memory under that scheme.  The
 * simulator (sim.c) charges those operations on a machine description; it
 * never types a scheme's cost in by hand.
 *
 * Switch paths run on one host thread: the driver plays the CPUs in turn
 * (lm_this), calling the model's schedule() and try_to_wake_up() with the
 * tasks arranged so that each switch type occurs, which makes the counts
 * exact and the output deterministic.  The teardown needs other CPUs to
 * answer IPIs, so it runs the model's CPUs as threads (cpu_loop), with
 * IPI_POLL delivery: the counts are still path-determined (every IPI is
 * waited for), only their timing is not.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "predict.h"

static void on(int cpu)
{
	lm_this = cpu_of(cpu);
}

static struct task_struct *user_task(struct mm_struct *mm, task_step_fn step)
{
	struct task_struct *t = task_alloc(0, step, NULL);

	if (!t)
		return NULL;
	t->mm = mm;
	t->active_mm = mm;
	t->active_mm_gen = atomic_load_explicit(&mm->gen, memory_order_relaxed);
	return t;
}

/* The current task of the CPU being played blocks: schedule() away. */
static void block_current(void)
{
	atomic_store_explicit(&current->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	schedule();
}

/* A wake-up issued by another CPU (as the pipe writer's would be). */
static void wake_from(struct task_struct *t, int waker, int target, uint64_t *wakes)
{
	struct lm_cpu *me = lm_this;

	on(waker);
	try_to_wake_up(t, target);
	lm_this = me;
	(*wakes)++;
}

static void reset_phase_counts(void)
{
	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		memset(lm.cpus[i].pcnt, 0, sizeof(lm.cpus[i].pcnt));
}

static struct lm_config base_config(const struct lazy_tlb_ops *ops, int cpus)
{
	struct lm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_cpus = cpus;
	cfg.seed = 1;
	cfg.ops = ops;
	cfg.flush_mode = FLUSH_IPI;
	cfg.ipi_mode = IPI_POLL;
	cfg.max_reports = lazy_safe(ops) ? 4 : -1;   /* `none` breaks invariants: count only */
	return cfg;
}

/* Take every CPU offline from this host thread (machine.c's shutdown,
 * played in order): all lazy references are dropped. */
static void offline_all_played(void)
{
	for (int cpu = 1; cpu < lm.cfg.nr_cpus; cpu++) {
		on(cpu);
		idle_task_exit();
	}
	on(0);
	for (int cpu = 1; cpu < lm.cfg.nr_cpus; cpu++)
		finish_cpu(cpu);
	idle_task_exit();
	finish_cpu(0);
	lm_this = NULL;
}

static void emit(struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		 int n, int k, int ph, double per)
{
	for (int c = 0; c < CNT_NR; c++) {
		uint64_t v = lm_phase_total(ph, (enum lm_counter)c);

		if (!v || c == CNT_TASK_STEP)
			continue;
		tmpl_add(ts, scheme, path, n, k, lm_counter_names[c], (double)v / per);
	}
}

enum { ROUNDS = 8 };

/*
 * The switch paths on CPU 0 (CPU 1 only issues wake-ups).  Tasks A and B
 * share mm X; C has mm Y; K is a kernel thread.  One round:
 *   A blocks -> idle                      user->kernel        (cs_uk)
 *   A woken -> idle -> A                  lazy return to X    (cs_ku_same)
 *   B woken (queued), A yields -> B       user->user, one mm  (cs_uu_same)
 *   B blocks -> A                         user->user, one mm
 *   C woken, A blocks -> C                user->user, new mm  (cs_uu_diff)
 *   C blocks -> idle (lazy on Y)          user->kernel
 *   K woken: idle -> K, K blocks -> idle  kernel->kernel x2   (cs_kk)
 *   A woken: idle -> A                    kernel->user, X     (cs_ku_diff)
 * The first round is warm-up (boot's switches away from init_mm); the
 * counts are taken over the next ROUNDS.
 */
static int extract_switches(const struct lazy_tlb_ops *ops, struct tmpl_set *ts)
{
	struct lm_config cfg = base_config(ops, 2);
	struct mm_struct *x, *y;
	struct task_struct *a, *b, *c, *k;
	uint64_t wakes = 0, switches = 0;
	int v;

	if (lm_machine_init(&cfg) != 0)
		return -1;
	on(0);
	x = mm_alloc();
	y = mm_alloc();
	if (!x || !y)
		return -1;
	do_mmap(x);
	do_mmap(y);
	mmget(x);                                 /* B's mm_users reference */
	a = user_task(x, NULL);
	b = user_task(x, NULL);
	c = user_task(y, NULL);
	k = task_alloc(PF_KTHREAD, NULL, NULL);
	if (!a || !b || !c || !k)
		return -1;
	wake_up_new_task(a, 0);
	schedule();                               /* idle -> A */
	for (int r = 0; r <= ROUNDS; r++) {
		if (r == 1) {
			reset_phase_counts();
			wakes = 0;
		}
		block_current();                          /* A -> idle */
		wake_from(a, 1, 0, &wakes);
		schedule();                               /* idle -> A */
		if (r == 0)
			wake_up_new_task(b, 0);
		else
			wake_from(b, 1, 0, &wakes);
		schedule();                               /* A -> B (A stays runnable) */
		block_current();                          /* B -> A */
		if (r == 0)
			wake_up_new_task(c, 0);
		else
			wake_from(c, 1, 0, &wakes);
		block_current();                          /* A -> C */
		block_current();                          /* C -> idle */
		if (r == 0)
			wake_up_new_task(k, 0);
		else
			wake_from(k, 1, 0, &wakes);
		schedule();                               /* idle -> K */
		block_current();                          /* K -> idle */
		wake_from(a, 1, 0, &wakes);
		schedule();                               /* idle -> A */
	}
	for (int ph = PH_CS_UU_SAME; ph <= PH_CS_KK; ph++) {
		uint64_t n = lm_phase_total(ph, CNT_CS_USER_USER) + lm_phase_total(ph, CNT_CS_USER_KERNEL) +
			     lm_phase_total(ph, CNT_CS_KERNEL_USER) + lm_phase_total(ph, CNT_CS_KERNEL_KERNEL);

		if (!n)
			return -1;
		switches += n;
		emit(ts, ops->name, (enum tmpl_path)(TP_CS_UU_SAME + (ph - PH_CS_UU_SAME)), 2, 0, ph,
		     (double)n);
	}
	emit(ts, ops->name, TP_SCHED, 2, 0, PH_SCHED, (double)switches);
	emit(ts, ops->name, TP_WAKE, 2, 0, PH_WAKE, (double)wakes);

	/* Every task exits; the CPUs go offline; nothing may leak. */
	exit_mm();                                        /* A */
	do_task_dead();
	{
		struct task_struct *rest[] = { b, c, k };

		for (int i = 0; i < 3; i++) {
			wake_from(rest[i], 1, 0, &wakes);
			schedule();
			exit_mm();
			do_task_dead();
		}
	}
	offline_all_played();
	v = lm_machine_fini(stderr);
	return lazy_safe(ops) && v ? -1 : 0;
}

/* ---- the teardown: N CPUs, K of them lazy on the dying mm ---- */

static _Atomic int td_done;

static enum step_result td_exit_step(struct task_struct *tsk)
{
	(void)tsk;
	exit_mm();                  /* the last user: __mmput(), maybe __mmdrop() */
	atomic_store_explicit(&td_done, 1, memory_order_release);
	return STEP_EXIT;
}

static int extract_teardown(const struct lazy_tlb_ops *ops, struct tmpl_set *ts, int n, int k,
			    bool mapped)
{
	struct lm_config cfg = base_config(ops, n);
	struct mm_struct *x;
	struct task_struct *t0;
	uint64_t drops;
	int v;

	cfg.pin = false;
	if (lm_machine_init(&cfg) != 0)
		return -1;
	on(0);
	x = mm_alloc();
	if (!x)
		return -1;
	if (mapped)
		do_mmap(x);
	t0 = user_task(x, td_exit_step);
	if (!t0)
		return -1;
	wake_up_new_task(t0, 0);
	schedule();                                   /* CPU 0 runs T0 */
	for (int cpu = 1; cpu <= k; cpu++) {
		struct task_struct *t;

		mmget(x);
		t = user_task(x, NULL);
		if (!t)
			return -1;
		t->cpu = cpu;
		on(cpu);
		wake_up_new_task(t, cpu);
		schedule();                           /* idle -> T */
		touch_user_memory(x);
		exit_mm();                            /* CPU lazy on X from here */
		do_task_dead();                       /* T -> idle: hands X over */
	}
	lm_this = NULL;
	reset_phase_counts();
	atomic_store_explicit(&td_done, 0, memory_order_relaxed);
	if (lm_machine_start(cpu_loop) != 0)
		return -1;
	for (int i = 0; i < 200000 && !atomic_load_explicit(&td_done, memory_order_acquire); i++) {
		struct timespec tsl = { 0, 100000 };

		nanosleep(&tsl, NULL);
	}
	if (!atomic_load_explicit(&td_done, memory_order_acquire))
		atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
	lm_machine_offline_all();
	lm_machine_stop();
	drops = lm_phase_total(PH_MMDROP, CNT_MMDROP);
	if (drops != 1) {
		fprintf(stderr, "predict extract: %s N=%d K=%d: %llu teardowns, expected 1\n",
			ops->name, n, k, (unsigned long long)drops);
		lm_machine_fini(stderr);
		return -1;
	}
	emit(ts, ops->name, mapped ? TP_MMPUT : TP_MMPUT_UNMAPPED, n, k, PH_MMPUT, 1.0);
	emit(ts, ops->name, mapped ? TP_MMDROP : TP_MMDROP_UNMAPPED, n, k, PH_MMDROP, 1.0);
	emit(ts, ops->name, mapped ? TP_REMOTE : TP_REMOTE_UNMAPPED, n, k, PH_IRQ, 1.0);
	v = lm_machine_fini(stderr);
	return lazy_safe(ops) && v ? -1 : 0;
}

/* The teardown configurations: the simulator fits a + b*N + c*K + d*[K = N-1]
 * per counter on the first four (two with every other CPU lazy, two
 * without), and the last two check the fit, one of each kind.  The
 * indicator term is there because a scheme may skip work when every CPU
 * it visits is lazy (andy2022 returns no unused references then). */
const int tmpl_td_configs[TMPL_TD_CONFIGS][2] = {
	{ 4, 1 }, { 4, 3 }, { 8, 3 }, { 8, 7 },         /* the fit */
	{ 8, 5 }, { 6, 5 },                             /* the checks */
};

int tmpl_extract(struct tmpl_set *ts)
{
	for (int i = 0; lazy_schemes[i]; i++) {
		const struct lazy_tlb_ops *ops = lazy_schemes[i];

		if (extract_switches(ops, ts) != 0) {
			fprintf(stderr, "predict extract: the switch paths of '%s' failed\n", ops->name);
			return -1;
		}
		for (int j = 0; j < TMPL_TD_CONFIGS; j++)
			for (int m = 0; m < 2; m++)
				if (extract_teardown(ops, ts, tmpl_td_configs[j][0], tmpl_td_configs[j][1],
						     m == 0) != 0) {
					fprintf(stderr, "predict extract: the teardown of '%s' failed\n",
						ops->name);
					return -1;
				}
	}
	return 0;
}
