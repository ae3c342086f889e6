/*
 * bench_run.c - one benchmark sample on a fresh simulated machine.
 *
 * A sample is: lm_machine_init, CPU 0 creates the workload's tasks, every
 * CPU runs cpu_loop(); the host thread sleeps through the warm-up, takes a
 * counter snapshot, sleeps through the counted window, takes a second one;
 * then the workload is stopped, every task exits, the CPUs go offline (so
 * every lazy reference is dropped), and lm_machine_fini() runs the leak
 * check.  The sample's violations are those of the whole run: the checkers
 * stay on, and a scheme that breaks an invariant while being measured has
 * no result.
 *
 * Counter snapshots are taken by each simulated CPU itself, in its tick
 * hook, when the host thread bumps bw.snap_epoch: the per-CPU counters are
 * plain (owner-written) words, so only their owner reads them while the
 * machine runs.
 *
 * Also here, for the workloads: the model pipe (lost-wakeup-safe
 * ping-pong channel) and per-CPU model timers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct bench_world bw;

struct bench_timer {
	struct task_struct *task;
	uint64_t expiry;
};

struct bench_cpu {
	struct bench_timer timers[BENCH_TIMERS];
	int nr_timers;
	unsigned int snap_done;          /* owner's copy of snap_seen */
	_Atomic unsigned int snap_seen;  /* epoch of the last snapshot taken */
	uint64_t teardowns, holders;     /* BCNT_*, owner-written */
	uint64_t snap[BENCH_NCNT];
	uint64_t snap_cpu_ns;            /* this CPU thread's host CPU time */
} __cacheline_aligned;

/* ---- model pipes ---- */

/*
 * pipe_write(): add a token, then wake the reader if one is registered.
 * Both sides are seq_cst [pair:bench-pipe]: writer "tokens++ ; xchg(waiter)"
 * against reader "waiter = me ; read tokens".  Without the total order the
 * store-buffering outcome is possible: the writer sees no waiter and the
 * reader sees no token, and the reader sleeps forever (a lost wake-up).
 */
void bench_pipe_write(struct bench_pipe *p)
{
	struct task_struct *w;

	atomic_fetch_add_explicit(&p->tokens, 1, memory_order_seq_cst);
	w = atomic_exchange_explicit(&p->waiter, NULL, memory_order_seq_cst);
	if (w)
		try_to_wake_up(w, w->cpu);      /* tasks stay on their CPU */
}

/* Takes a token and returns true, or registers tsk as the waiter, sets it
 * TASK_INTERRUPTIBLE and returns false: the caller returns STEP_BLOCK. */
bool bench_pipe_read(struct bench_pipe *p, struct task_struct *tsk)
{
	for (int tries = 0; tries < 1000; tries++) {
		int t = atomic_load_explicit(&p->tokens, memory_order_seq_cst);
		struct task_struct *me = tsk;

		if (t > 0) {
			if (atomic_compare_exchange_weak_explicit(&p->tokens, &t, t - 1,
								  memory_order_seq_cst,
								  memory_order_relaxed))
				return true;
			continue;
		}
		atomic_store_explicit(&tsk->state, TASK_INTERRUPTIBLE, memory_order_seq_cst);
		/* [pair:bench-pipe] reader side: register, then re-read tokens */
		atomic_store_explicit(&p->waiter, tsk, memory_order_seq_cst);
		if (atomic_load_explicit(&p->tokens, memory_order_seq_cst) == 0)
			return false;
		/* a token came meanwhile: take the registration back, retry */
		atomic_compare_exchange_strong_explicit(&p->waiter, &me, NULL,
							memory_order_seq_cst, memory_order_relaxed);
		atomic_store_explicit(&tsk->state, TASK_RUNNING, memory_order_relaxed);
	}
	return false;   /* unreachable in practice; a spurious block is harmless:
			   the state is RUNNING, so schedule() keeps it queued */
}

/* ---- per-CPU model timers ---- */

/* Block tsk; this CPU's tick wakes it, on this CPU, after ns. */
enum step_result bench_sleep_for(struct task_struct *tsk, uint64_t ns)
{
	struct bench_cpu *bc = lm_this->drv;

	if (bc->nr_timers >= BENCH_TIMERS)
		return STEP_YIELD;
	atomic_store_explicit(&tsk->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	bc->timers[bc->nr_timers++] = (struct bench_timer){ tsk, lm_now_ns() + ns };
	return STEP_BLOCK;
}

static void fire_timers(struct bench_cpu *bc)
{
	uint64_t now = lm_now_ns();

	for (int i = 0; i < bc->nr_timers;) {
		struct bench_timer *t = &bc->timers[i];

		/* only once the task is off this CPU (it blocked and switched) */
		if (t->expiry <= now && t->task != current) {
			struct task_struct *task = t->task;

			*t = bc->timers[--bc->nr_timers];
			try_to_wake_up(task, task->cpu);
			continue;
		}
		i++;
	}
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The snapshot: this CPU's counters, task and irq context summed.  Irqs
 * off so that an IPI handler does not count in the middle of the copy. */
static void take_snapshot(struct bench_cpu *bc, struct lm_cpu *c, unsigned int epoch)
{
	unsigned long flags = local_irq_save();

	for (int k = 0; k < CNT_NR; k++)
		bc->snap[k] = c->cnt[0][k] + c->cnt[1][k];
	bc->snap[BCNT_TEARDOWNS] = bc->teardowns;
	bc->snap[BCNT_HOLDERS] = bc->holders;
	local_irq_restore(flags);
	bc->snap_cpu_ns = thread_cpu_ns();
	bc->snap_done = epoch;
	/* Release pairs with the host thread's acquire in snapshot()
	 * [pair:bench-snap-done]: the copy is complete before it is read. */
	atomic_store_explicit(&bc->snap_seen, epoch, memory_order_release);
}

static void bench_tick(struct lm_cpu *c)
{
	struct bench_cpu *bc = c->drv;
	/* Acquire pairs with the release bump in snapshot() [pair:bench-snap]:
	 * the host thread has finished reading the previous snapshot before
	 * this CPU overwrites it. */
	unsigned int e = atomic_load_explicit(&bw.snap_epoch, memory_order_acquire);

	if (unlikely(e != bc->snap_done))
		take_snapshot(bc, c, e);
	if (bc->nr_timers)
		fire_timers(bc);
}

/*
 * The exit workload's model-point hook: when __mmdrop() is about to run the
 * scheme's cleanup, count the teardown (in the same per-CPU snapshot as the
 * IPI counters, so that per-teardown ratios are exact) and the other CPUs that still have a dying mm loaded
 * (mm_count already 0, not yet freed).  Those are the CPUs a teardown IPI
 * must reach; any teardown IPI beyond them goes to a CPU that no longer
 * holds the mm.  A loaded mm is never freed under a correct scheme, and a
 * freed one stays in quarantine (state FREED), so the reads are safe.
 */
static void bench_point(int point)
{
	struct lm_cpu *me = lm_this;
	struct bench_cpu *bc;

	if (point != SP_MMDROP_BEFORE_CLEANUP || !me)
		return;
	bc = me->drv;
	bc->teardowns++;
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct mm_struct *l = atomic_load_explicit(&cpu_of(cpu)->tlbstate.loaded_mm,
							   memory_order_acquire);

		if (cpu == me->cpu || l == &init_mm || l == LOADED_MM_SWITCHING || !l)
			continue;
		if (atomic_load_explicit(&l->state, memory_order_acquire) == OBJ_LIVE &&
		    atomic_load_explicit(&l->mm_count, memory_order_relaxed) == 0)
			bc->holders++;
	}
}

static void bench_cpu_main(struct lm_cpu *c)
{
	if (c->cpu == 0)
		bench_wls[bw.p->wl].boot();
	cpu_loop(c);
}

/* ---- the host thread's side ---- */

static bool aborted(void)
{
	return atomic_load_explicit(&lm.abort, memory_order_relaxed) != 0;
}

static void sleep_s(double s)
{
	uint64_t end = lm_now_ns() + (uint64_t)(s * 1e9);

	while (!aborted()) {
		uint64_t now = lm_now_ns();
		uint64_t left = end > now ? end - now : 0;
		struct timespec ts;

		if (!left)
			break;
		if (left > 50000000)
			left = 50000000;        /* wake up to notice an abort */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left;
		nanosleep(&ts, NULL);
	}
}

/* Ask every CPU for its counters; sum them into out.  Bounded. */
static bool snapshot(struct bench_cpu *bcs, uint64_t out[BENCH_NCNT], uint64_t *cpu_ns,
		     uint64_t *t_ns)
{
	/* Release [pair:bench-snap]: our reads of the last snapshot are done. */
	unsigned int e = atomic_fetch_add_explicit(&bw.snap_epoch, 1, memory_order_release) + 1;
	uint64_t deadline;

	*t_ns = lm_now_ns();
	deadline = *t_ns + 30000000000ull;    /* a starved host can stall a CPU for seconds */
	memset(out, 0, sizeof(uint64_t) * BENCH_NCNT);
	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		/* [pair:bench-snap-done] */
		while (atomic_load_explicit(&bcs[i].snap_seen, memory_order_acquire) != e) {
			struct timespec ts = { 0, 20000 };

			if (aborted() || lm_now_ns() > deadline)
				return false;
			nanosleep(&ts, NULL);
		}
		for (int k = 0; k < BENCH_NCNT; k++)
			out[k] += bcs[i].snap[k];
		cpu_ns[i] = bcs[i].snap_cpu_ns;
	}
	return true;
}

/* What each CPU holds when tasks fail to exit: for the report. */
static void dump_cpus(struct bench_cpu *bcs)
{
	uint64_t now = lm_now_ns();

	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		struct lm_cpu *c = cpu_of(i);
		struct task_struct *cur = atomic_load_explicit(&c->rq.curr, memory_order_relaxed);

		fprintf(stderr, "  cpu%d: curr task %d%s, %d queued, need_resched %d, %d timer(s)\n", i,
			cur ? cur->id : -1, cur == c->rq.idle ? " (idle)" : "",
			atomic_load_explicit(&c->rq.nr_queued, memory_order_relaxed),
			atomic_load_explicit(&c->rq.need_resched, memory_order_relaxed),
			bcs[i].nr_timers);
		for (int k = 0; k < bcs[i].nr_timers && k < 8; k++) {
			struct task_struct *t = bcs[i].timers[k].task;

			fprintf(stderr, "    timer: task %d state %d on_rq %d on_cpu %d cpu %d, due %+.3f ms\n",
				t->id, atomic_load_explicit(&t->state, memory_order_relaxed), t->on_rq,
				atomic_load_explicit(&t->on_cpu, memory_order_relaxed), t->cpu,
				((double)bcs[i].timers[k].expiry - (double)now) / 1e6);
		}
	}
}

/* The host CPU time of simulated CPU i's thread (while it exists). */
static uint64_t cpu_thread_ns(int i)
{
	clockid_t id;
	struct timespec ts;

	if (pthread_getcpuclockid(lm.cpus[i].thread, &id) != 0 || clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The least CPU time any simulated CPU's thread had since `since`. */
static uint64_t least_cpu_since(const uint64_t *since)
{
	uint64_t least = UINT64_MAX;

	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		uint64_t v = cpu_thread_ns(i);
		uint64_t d = v > since[i] ? v - since[i] : 0;

		if (d < least)
			least = d;
	}
	return least;
}

/*
 * Stop the workload and wait until every task has exited.  Bounded, but
 * by the CPU time the simulated CPUs actually got: on a host that starves
 * them (seconds without running, seen on a shared 2-core VM), a wall-clock
 * bound would call a healthy run hung.  A hang is declared when every
 * simulated CPU ran for STOP_CPU_NS and the tasks are still there, or
 * after STOP_WALL_NS whatever happened.
 */
#define STOP_CPU_NS  2000000000ull
#define STOP_WALL_NS 120000000000ull

static void stop_tasks(struct bench_cpu *bcs)
{
	uint64_t since[NR_CPUS_MAX], t0 = lm_now_ns();

	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		since[i] = cpu_thread_ns(i);
	atomic_store_explicit(&bw.stopping, 1, memory_order_release);
	while (atomic_load_explicit(&bw.live_tasks, memory_order_acquire) > 0 && !aborted()) {
		struct timespec ts = { 0, 1000000 };
		uint64_t wall = lm_now_ns() - t0;

		if (wall > STOP_WALL_NS || (wall > 1000000000ull &&
					    least_cpu_since(since) > STOP_CPU_NS)) {
			lm_violation(INV_HANG, -1, 0, "bench: %d task(s) did not exit in time",
				     atomic_load_explicit(&bw.live_tasks, memory_order_relaxed));
			dump_cpus(bcs);
			atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
			break;
		}
		nanosleep(&ts, NULL);
	}
}

static void machine_config(const struct bench_params *p, struct lm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_cpus = p->cpus;
	cfg->seed = p->seed;
	cfg->ops = p->ops;
	cfg->mutant = p->mutant;
	cfg->flush_mode = FLUSH_IPI;
#if defined(LAZYMM_TSAN)
	cfg->ipi_mode = IPI_POLL;        /* TSAN defers signals to its own safe points */
#else
	cfg->ipi_mode = IPI_SIGNAL;
#endif
	cfg->reuse_addresses = false;
	cfg->chaos = false;              /* the checkers stay on regardless */
	cfg->pin = true;
	cfg->switch_work_ns = p->switch_work_ns;
	/* generous: a shared host can stall a simulated CPU for seconds */
	cfg->wait_timeout_ns = 30000000000ull;
	/* the unsafe limit breaks invariants by design: count, do not print */
	cfg->max_reports = p->ops->safe ? 4 : -1;
}

/* The host's share of the window: the least CPU time any simulated CPU's
 * thread got, over the window's wall time.  Every simulated CPU thread
 * runs all the time (the idle loop polls), so anything below 1 is time
 * the host gave to someone else. */
static double availability(const uint64_t *ca, const uint64_t *cb, uint64_t wall)
{
	double least = 1;

	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		double a = wall ? (double)(cb[i] - ca[i]) / (double)wall : 0;

		if (a < least)
			least = a;
	}
	return least;
}

/* The counted window: warm-up, snapshot, window, snapshot. */
static void measure(struct bench_cpu *bcs, const struct bench_params *p, struct bench_sample *s)
{
	uint64_t a[BENCH_NCNT], b[BENCH_NCNT], ca[NR_CPUS_MAX], cb[NR_CPUS_MAX];
	uint64_t ta, tb, c0, sum0, c1, sum1, mx, x, y;

	sleep_s(p->warmup);
	if (!snapshot(bcs, a, ca, &ta))
		return;
	lm_teardown_stats(&c0, &sum0, &mx, &x, &y);
	sleep_s(p->seconds);
	if (!snapshot(bcs, b, cb, &tb))
		return;
	lm_teardown_stats(&c1, &sum1, &mx, &x, &y);
	s->secs = (double)(tb - ta) / 1e9;
	s->avail = availability(ca, cb, tb - ta);
	for (int k = 0; k < BENCH_NCNT; k++)
		s->cnt[k] = b[k] - a[k];
	s->ops = s->cnt[CNT_ROUND_TRIP];
	s->td_count = c1 - c0;
	s->td_sum_ns = sum1 - sum0;
	s->td_max_ns = mx;
}

int bench_run_sample(const struct bench_params *p, struct bench_sample *s)
{
	static const uint64_t zero[NR_CPUS_MAX];
	struct lm_config cfg;
	struct bench_cpu *bcs;
	uint64_t t0;
	int err;

	memset(s, 0, sizeof(*s));
	memset(&bw, 0, sizeof(bw));
	bw.p = p;
	bw.nr_pipes = bench_wls[p->wl].nr_pipes(p);
	bw.pipes = aligned_alloc(LM_CACHELINE, sizeof(struct bench_pipe) * (size_t)bw.nr_pipes);
	bcs = aligned_alloc(LM_CACHELINE, sizeof(*bcs) * (size_t)p->cpus);
	if (!bw.pipes || !bcs) {
		free(bw.pipes);
		free(bcs);
		return -1;
	}
	memset(bw.pipes, 0, sizeof(struct bench_pipe) * (size_t)bw.nr_pipes);
	memset(bcs, 0, sizeof(*bcs) * (size_t)p->cpus);
	machine_config(p, &cfg);
	err = lm_machine_init(&cfg);
	if (err) {
		fprintf(stderr, "lazymm bench: machine init failed (%d)\n", err);
		free(bw.pipes);
		free(bcs);
		return -1;
	}
	for (int i = 0; i < p->cpus; i++)
		lm.cpus[i].drv = &bcs[i];
	lm.tick_hook = bench_tick;
	lm.idle_hook = NULL;
	lm_point_hook = bench_wls[p->wl].teardown ? bench_point : NULL;
	lm_preempt_hook = NULL;
	t0 = lm_now_ns();
	if (lm_machine_start(bench_cpu_main) != 0) {
		fprintf(stderr, "lazymm bench: cannot start the CPU threads\n");
		atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
	} else {
		measure(bcs, p, s);
		stop_tasks(bcs);
	}
	if (!aborted())
		lm_machine_offline_all();
	s->run_share = (double)least_cpu_since(zero) / (double)(lm_now_ns() - t0);
	lm_machine_stop();
	s->hung = aborted();
	s->hangs = atomic_load_explicit(&lm.violations[INV_HANG], memory_order_relaxed);
	s->violations = (uint64_t)lm_machine_fini(stderr);
	lm_point_hook = NULL;
	free(bw.pipes);
	bw.pipes = NULL;
	free(bcs);
	return 0;
}
