/*
 * run.c - one benchmark sample on a fresh simulated machine.
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
 * hook, when the host thread bumps the sample's snap_epoch: the per-CPU counters are
 * plain (owner-written) words, so only their owner reads them while the
 * machine runs.
 *
 * The machine's lifecycle, the model pipes and timers the workloads use
 * are the harness's (model/harness.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "../../model/harness.h"


struct bench_cpu {
	unsigned int snap_done;          /* owner's copy of snap_seen */
	_Atomic unsigned int snap_seen;  /* epoch of the last snapshot taken */
	uint64_t teardowns, holders;     /* BCNT_*, owner-written */
	uint64_t snap[BENCH_NCNT];
	uint64_t snap_cpu_ns;            /* this CPU thread's host CPU time */
} __cacheline_aligned;

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
	unsigned int e = atomic_load_explicit(&bench_world()->snap_epoch, memory_order_acquire);

	if (unlikely(e != bc->snap_done))
		take_snapshot(bc, c, e);
}

/*
 * The exit workload's model-point hook: when __mmdrop() is about to run the
 * scheme's cleanup, count the teardown (in the same per-CPU snapshot as the
 * IPI counters, so that per-teardown ratios are exact) and the other CPUs
 * that still have a dying mm loaded (mm_count already 0, not yet freed).
 * Those are the CPUs a teardown IPI must reach; any teardown IPI beyond
 * them goes to a CPU that no longer holds the mm.  A loaded mm is never
 * freed under a correct scheme, and a freed one stays in quarantine (state
 * FREED), so the reads are safe.
 */
static void bench_point(int point, struct mm_struct *mm)
{
	struct lm_cpu *me = lm_this;
	struct bench_cpu *bc;

	(void)mm;
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

static void bench_boot(void)
{
	bench_wls[bench_world()->p->wl].boot();
}

/* ---- the host thread's side ---- */

static void sleep_s(double s)
{
	uint64_t end = lm_now_ns() + (uint64_t)(s * 1e9);

	while (!lm_aborted()) {
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

static struct bench_cpu *bench_cpus(void)
{
	return lm.cpus[0].drv;           /* the harness allocates them in one array */
}

/* Ask every CPU for its counters; sum them into out.  Bounded. */
static bool snapshot(struct bench_world *w, uint64_t out[BENCH_NCNT], uint64_t *cpu_ns, uint64_t *t_ns)
{
	struct bench_cpu *bcs = bench_cpus();
	/* Release [pair:bench-snap]: our reads of the last snapshot are done. */
	unsigned int e = atomic_fetch_add_explicit(&w->snap_epoch, 1, memory_order_release) + 1;
	uint64_t deadline;

	*t_ns = lm_now_ns();
	deadline = *t_ns + 30000000000ull;    /* a starved host can stall a CPU for seconds */
	memset(out, 0, sizeof(uint64_t) * BENCH_NCNT);
	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		/* [pair:bench-snap-done] */
		while (atomic_load_explicit(&bcs[i].snap_seen, memory_order_acquire) != e) {
			struct timespec ts = { 0, 20000 };

			if (lm_aborted() || lm_now_ns() > deadline)
				return false;
			nanosleep(&ts, NULL);
		}
		for (int k = 0; k < BENCH_NCNT; k++)
			out[k] += bcs[i].snap[k];
		cpu_ns[i] = bcs[i].snap_cpu_ns;
	}
	return true;
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
	cfg->pin = true;
	cfg->switch_work_ns = p->switch_work_ns;
	cfg->hotplug = p->hotplug && p->cpus > 1;
	/* generous: a shared host can stall a simulated CPU for seconds */
	cfg->wait_timeout_ns = 30000000000ull;
	/* the unsafe limit breaks invariants by design: count, do not print */
	cfg->max_reports = lazy_safe(p->ops) ? 4 : -1;
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
static void measure(struct bench_world *w, const struct bench_params *p, struct bench_sample *s)
{
	uint64_t a[BENCH_NCNT], b[BENCH_NCNT], ca[NR_CPUS_MAX], cb[NR_CPUS_MAX];
	uint64_t ta, tb;
	struct lm_teardown t0, t1;

	sleep_s(p->warmup);
	if (!snapshot(w, a, ca, &ta))
		return;
	lm_teardown_stats(&t0);
	sleep_s(p->seconds);
	if (!snapshot(w, b, cb, &tb))
		return;
	lm_teardown_stats(&t1);
	s->secs = (double)(tb - ta) / 1e9;
	s->avail = availability(ca, cb, tb - ta);
	for (int k = 0; k < BENCH_NCNT; k++)
		s->cnt[k] = b[k] - a[k];
	s->ops = s->cnt[CNT_ROUND_TRIP];
	s->td_count = t1.count - t0.count;
	s->td_sum_ns = t1.sum_ns - t0.sum_ns;
	s->td_max_ns = t1.max_ns;
}

/* The host thread: the counted window, then every task stopped; the
 * host's share of the whole run is read while the CPU threads exist. */
static void bench_host_run(void *arg)
{
	static const uint64_t zero[NR_CPUS_MAX];
	struct bench_world *w = arg;

	measure(w, w->p, w->s);
	if (lm.cfg.hotplug && !lm_aborted())
		lm_hotplug_quiesce();   /* every CPU back before the tasks stop */
	lm_stop_tasks();
	if (!lm_aborted())
		lm_machine_offline_all();
	w->s->run_share = (double)lm_least_cpu_since(zero) / (double)(lm_now_ns() - w->t0);
}

int bench_run_sample(const struct bench_params *p, struct bench_sample *s)
{
	struct lm_config cfg;
	bool td = bench_wls[p->wl].teardown;
	struct lm_driver drv = {
		.name = "bench",
		.cpu_size = sizeof(struct bench_cpu),
		.boot = bench_boot,
		.tick = bench_tick,
		.point = td ? bench_point : NULL,
		.run = bench_host_run,
		.teardown_stats = td,
	};
	struct bench_world w;
	size_t pipes_size;
	int v;

	memset(s, 0, sizeof(*s));
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.s = s;
	w.nr_pipes = bench_wls[p->wl].nr_pipes(p);
	pipes_size = sizeof(struct lm_pipe) * (size_t)w.nr_pipes;
	w.pipes = aligned_alloc(LM_CACHELINE, pipes_size);
	if (!w.pipes)
		return -1;
	memset(w.pipes, 0, pipes_size);
	machine_config(p, &cfg);
	w.t0 = lm_now_ns();
	v = lm_run(&cfg, &drv, &w, stderr);
	free(w.pipes);
	if (v < 0)
		return -1;
	s->hung = lm_aborted();
	s->hangs = atomic_load_explicit(&lm.violations[INV_HANG], memory_order_relaxed);
	s->violations = (uint64_t)v;
	return 0;
}
