/*
 * bench.h - `lazymm bench`, the model benchmark, shared between its files:
 *
 *   bench/lazymm/bench.c      the command: rounds of interleaved schemes,
 *                             re-runs of starved samples, outputs, exit status
 *   bench/lazymm/options.c    options, defaults and their checks
 *   bench/lazymm/plan.c       the cells to measure, each sample's parameters
 *   bench/lazymm/run.c        one sample on the harness (model/harness.h):
 *                             warm-up, counted window, counter snapshots
 *   bench/lazymm/workloads.c  idle_cycle, context_switch1, exit, tlb_flush
 *   bench/lazymm/stats.c      medians and paired ratios of the cells
 *   bench/lazymm/host.c       calibration (a real pipe ping-pong), metadata
 *   bench/lazymm/report.c     the table; export.c: CSV, JSON; plot.c: gnuplot
 *
 * What hazptr-bench could share with it is in bench/common/ (host
 * metadata, medians and paired ratios, list parsing, pinning).
 */
#ifndef LAZYMM_BENCH_H
#define LAZYMM_BENCH_H

#include "../../cli/cli.h"
#include "../../model/harness.h"
#include "../common/host.h"
#include "../common/stats.h"

#define BENCH_MAX_ROUNDS  32
#define BENCH_MAX_TASKS   16     /* values in --tasks */
#define BENCH_TASKS_LIMIT 64     /* largest value in --tasks */

/* The model's counters, plus the benchmark's own (counted per CPU too). */
enum {
	BCNT_TEARDOWNS = CNT_NR, /* __mmdrop() cleanups begun on this CPU */
	BCNT_HOLDERS,            /* other CPUs with the dying mm loaded then */
	BENCH_NCNT
};

enum bench_wl { WL_IDLE_CYCLE, WL_CONTEXT_SWITCH1, WL_EXIT, WL_TLB_FLUSH, WL_NR };
enum bench_mode { MODE_THREADS, MODE_PROCESSES, MODE_NR };
extern const char *const bench_mode_names[MODE_NR];

/* What one sample runs. */
struct bench_params {
	enum bench_wl wl;
	enum bench_mode mode;
	int tasks;
	const struct lazy_tlb_ops *ops;
	const char *mutant;          /* NULL: the scheme as designed */
	int cpus;                    /* simulated CPUs */
	double warmup, seconds;
	uint64_t seed;
	uint64_t switch_work_ns;
	uint64_t delay_ns;           /* idle_cycle/tlb_flush: model-timer delay */
	bool exit_map;               /* exit: the dying mm maps memory */
	bool hotplug;                /* CPUs cycle offline/online meanwhile (a stress, not a measurement) */
};

/* A workload: its tasks are created on CPU 0 before the CPUs start. */
struct bench_wl_desc {
	const char *name;
	const char *op;              /* what one counted operation is */
	const char *desc;
	const char *mode_desc[MODE_NR];
	int cpus_per_task;           /* busy CPUs per unit of --tasks ... */
	int cpus_extra;              /* ... plus these */
	int tasks_min;               /* smallest --tasks value (exit: K = 0) */
	bool in_default;
	bool teardown;               /* reports per-teardown costs */
	int (*nr_pipes)(const struct bench_params *p);
	void (*boot)(void);          /* on CPU 0; bench_world() is the sample's */
};
extern const struct bench_wl_desc bench_wls[WL_NR];

/* What one sample measured, over its counted window. */
struct bench_sample {
	double secs;
	double avail;                /* least host CPU share of a simulated CPU */
	uint64_t ops;
	uint64_t cnt[BENCH_NCNT];
	uint64_t td_count, td_sum_ns, td_max_ns;   /* max: whole run */
	uint64_t violations;                       /* whole run, leaks included */
	uint64_t hangs;                            /* of which INV_HANG */
	double run_share;            /* least host CPU share over the whole run */
	bool hung;
};

/* ---- runtime shared by run.c and workloads.c ---- */

struct lm_pipe;

/* One sample's run state (the harness's run argument, bench_world()). */
struct bench_world {
	const struct bench_params *p;
	struct bench_sample *s;
	uint64_t t0;
	_Atomic unsigned int snap_epoch;
	struct lm_pipe *pipes;
	int nr_pipes;
	/* the exit workload: the long-lived parent's mm, threads exited */
	struct mm_struct *parent_mm;
	int received;
};
static inline struct bench_world *bench_world(void)
{
	return lm_run_arg();
}

int bench_run_sample(const struct bench_params *p, struct bench_sample *s);

/* ---- results ---- */

/* One (workload, mode, tasks, scheme): its samples and what they give. */
struct bench_cell {
	enum bench_wl wl;
	enum bench_mode mode;
	int tasks, busy;
	bool oversub;
	const struct lazy_tlb_ops *ops;
	int n;
	double ops_per_sec[BENCH_MAX_ROUNDS];
	double share[BENCH_MAX_ROUNDS];  /* host CPU share of each sample */
	double by_round[BENCH_MAX_ROUNDS]; /* ops/s of round r's sample, NAN if none */
	double median, min, max;
	double share_min;            /* least host share of its samples */
	int retries;                 /* starved samples re-run */
	int starved;                 /* samples lost to a starving host */
	double speedup, fraction;    /* median over rounds of the same-round ratio to
					refcount / none; NAN when not measured */
	struct bench_sample sum;     /* sums over samples (td_max_ns: max) */
	bool failed;                 /* a sample could not run or hung */
	bool unsafe;                 /* a safe scheme broke an invariant: no result */
};

struct bench_meta {
	char cpu_model[128];
	char kernel[256];
	char compiler[96];
	char date[40];
	char load_start[64], load_end[64];
	int host_cores;
	int cpus;
	bool pinned_ok;
	bool calibrated;             /* --switch-work auto */
	uint64_t real_switch_ns;     /* measured (auto) */
	uint64_t switch_work_ns;     /* used */
	uint64_t seed;
	double seconds, warmup;
	int rounds;
	uint64_t delay_ns;
	bool exit_map;
	bool quick;
	const char *mutant;          /* a deliberately broken variant (tests only) */
	double elapsed;
};

struct bench_results {
	struct bench_meta meta;
	struct bench_cell *cells;
	int nr_cells;
	const struct lazy_tlb_ops *schemes[8];
	int nr_schemes;
};

/* ---- options (options.c) ---- */

enum out_fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

struct bench_opts {
	bool wl[WL_NR], wl_set;
	bool mode[MODE_NR];
	const struct lazy_tlb_ops *schemes[8];
	int nr_schemes;
	int tasks[BENCH_MAX_TASKS], nr_tasks;
	double seconds, warmup;
	int rounds;
	bool set_seconds, set_rounds, set_warmup;
	uint64_t seed;
	bool switch_auto;
	uint64_t switch_work;
	uint64_t delay_ns;
	int cpus;
	bool exit_map;
	bool hotplug;                /* --hotplug yes: CPUs cycle offline/online */
	enum out_fmt fmt;
	const char *out, *plot;
	const char *mutant;
	bool quick, no_plot, progress;
};

void bench_usage(FILE *out);
/* Defaults, then argv; exits 2 on bad usage (and 0 after --help). */
void bench_parse_args(struct bench_opts *o, int argc, char **argv);

/* ---- the plan (plan.c) ---- */

void bench_plan(struct bench_results *r, const struct bench_opts *o);
void bench_params_for(struct bench_params *p, const struct bench_cell *c,
		      const struct bench_opts *o, uint64_t switch_work, int round);

/* ---- statistics of the cells (stats.c) ---- */

/* Median, min, max of each cell; speedup over the baseline scheme and
 * fraction of the limit, as paired ratios over rounds. */
void bench_summarize(struct bench_results *r);

/* ---- host.c ---- */
uint64_t bench_calibrate_switch(int batches, double *spread);
void bench_fill_meta(struct bench_meta *m);
bool bench_have_gnuplot(void);

/* ---- report.c, export.c, plot.c ---- */
void bench_print_table(FILE *out, const struct bench_results *r);
void bench_print_csv(FILE *out, const struct bench_results *r);
void bench_print_json(FILE *out, const struct bench_results *r);
int bench_plot(const char *png, const struct bench_results *r);
double bench_per_op(const struct bench_cell *c, int k);
double bench_per_switch(const struct bench_cell *c, uint64_t v);
double bench_per_teardown(const struct bench_cell *c, uint64_t v);
double bench_teardown_mean_us(const struct bench_cell *c);
double bench_beyond_holders(const struct bench_cell *c);
uint64_t bench_switches(const struct bench_sample *s);
uint64_t bench_shared_rmw(const struct bench_sample *s);
/* Cells of one (workload, mode) from cell i on: how many. */
int bench_group_len(const struct bench_results *r, int i);

#endif /* LAZYMM_BENCH_H */
