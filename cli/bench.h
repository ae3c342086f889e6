/*
 * bench.h - `lazymm bench`, shared between its files:
 *
 *   cli/bench.c        options, the plan (rounds of interleaved schemes), exit status
 *   cli/bench_run.c    one sample on the harness (model/harness.h): warm-up,
 *                      counted window, counter snapshots
 *   cli/bench_work.c   the workloads: idle_cycle, context_switch1, exit, tlb_flush
 *   cli/bench_host.c   calibration (a real pipe ping-pong) and run metadata
 *   cli/bench_out.c    the table, CSV, JSON and the gnuplot figure
 */
#ifndef LAZYMM_BENCH_H
#define LAZYMM_BENCH_H

#include "cli.h"

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
	void (*boot)(void);
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

/* ---- runtime shared by bench_run.c and bench_work.c ---- */

struct lm_pipe;

struct bench_world {
	const struct bench_params *p;
	_Atomic unsigned int snap_epoch;
	struct lm_pipe *pipes;
	int nr_pipes;
};
extern struct bench_world bw;

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

/* bench_host.c */
uint64_t bench_calibrate_switch(int batches, double *spread);
void bench_fill_meta(struct bench_meta *m);
void bench_read_loadavg(char *buf, size_t len);
bool bench_have_gnuplot(void);

/* bench_out.c */
void bench_print_table(FILE *out, const struct bench_results *r);
void bench_print_csv(FILE *out, const struct bench_results *r);
void bench_print_json(FILE *out, const struct bench_results *r);
int bench_plot(const char *png, const struct bench_results *r);
double bench_per_op(const struct bench_cell *c, int k);
uint64_t bench_switches(const struct bench_sample *s);
uint64_t bench_shared_rmw(const struct bench_sample *s);

#endif /* LAZYMM_BENCH_H */
