/*
 * predict.h - `lazymm predict`: the model's per-path operation templates
 * charged on a described machine by a discrete-event simulator.
 *
 *   predict/extract.c    templates, recorded by running the model
 *   predict/tmpl.c       templates: the TSV format, lookup, teardown fit
 *   predict/machine.c    machine descriptions (predict/machines/NAME.conf)
 *   predict/line.c       the cache-line ownership tracker
 *   predict/sim.c        the event loop, hardware threads, will-it-scale tasks
 *   predict/teardown.c   the cost of one teardown as a function of CPU count
 *   predict/sweep.c      the sweep, fitting and bands
 *   cli/predict.c        the command line and the output formats
 *
 * See docs/predict.md.
 */
#ifndef LAZYMM_PREDICT_H
#define LAZYMM_PREDICT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../model/model.h"
#include "../model/lazy/lazy.h"
#include <stdatomic.h>
#include <stddef.h>

/* ---- templates ---- */

enum tmpl_path {
	TP_SCHED,            /* __schedule() up to context_switch(), per switch */
	TP_WAKE,             /* try_to_wake_up(), per call */
	TP_CS_UU_SAME, TP_CS_UU_DIFF, TP_CS_UK, TP_CS_KU_SAME, TP_CS_KU_DIFF, TP_CS_KK,
	TP_MMPUT,            /* __mmput() of the last user (exit_mmap), per teardown */
	TP_MMDROP,           /* __mmdrop(), per teardown */
	TP_REMOTE,           /* IPI handlers on the other CPUs, per teardown */
	TP_MMPUT_UNMAPPED, TP_MMDROP_UNMAPPED, TP_REMOTE_UNMAPPED,  /* nothing mapped */
	TP_NR
};
extern const char *const tmpl_path_names[TP_NR];

#define TMPL_TD_CONFIGS 6
extern const int tmpl_td_configs[TMPL_TD_CONFIGS][2];    /* { N, K } */

struct tmpl_entry {
	char scheme[32];
	enum tmpl_path path;
	int n, k;
	char counter[32];
	double value;
};

struct tmpl_set {
	struct tmpl_entry *e;
	int nr, cap;
};

void tmpl_add(struct tmpl_set *ts, const char *scheme, enum tmpl_path path, int n, int k,
	      const char *counter, double value);
void tmpl_free(struct tmpl_set *ts);
int tmpl_extract(struct tmpl_set *ts);
void tmpl_write(FILE *out, const struct tmpl_set *ts);
/* Returns 0, or -1 with a message naming the file and line. */
int tmpl_read(const char *path, struct tmpl_set *ts, char *err, size_t errlen);
/* The value of counter on a switch path (n = 2, k = 0), 0 if absent. */
double tmpl_get(const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		const char *counter);
bool tmpl_has_scheme(const struct tmpl_set *ts, const char *scheme);
/* A counter the simulator does not know how to charge, or NULL. */
const char *tmpl_unknown_counter(const struct tmpl_set *ts);
/* A teardown counter at N CPUs with K lazy: a + b*N + c*K + d*[K = N-1]
 * fitted on the first four configurations; resid[0..1] (NULL: not wanted)
 * get the misfits on the last two. */
double tmpl_teardown(const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		     const char *counter, int n, int k, double *resid);

/* ---- machines ---- */

/* A parameter with its frozen value and the range the band spans. */
struct param {
	double v, lo, hi;
};

enum dist { D_SELF, D_SMT, D_CCX, D_SOCKET, D_REMOTE, D_NR };
extern const char *const dist_names[D_NR];

/* Who gets a contended line next (line.c, docs/predict.md section 2). */
enum arb_policy {
	ARB_NEAR_MIX,        /* with probability arb_near the nearest waiter, else the oldest */
	ARB_TIMING,          /* by when each request reaches the owner: no free parameter */
	ARB_NR
};
extern const char *const arb_policy_names[ARB_NR];

struct machine {
	char name[64];
	char desc[160];
	int sockets, ccx_per_socket, cores_per_ccx, smt;
	int nr_cpus;                   /* derived */
	struct param lat[D_NR];        /* one-way line transfer, ns */
	struct param rmw_ns;           /* a LOCK'd RMW on an owned line */
	struct param fence_ns;         /* smp_mb() */
	struct param store_ns;         /* a store to a line this CPU owns */
	struct param load_ns;          /* a load that hits */
	struct param cr3_ns, cr3_flush_ns;
	struct param ipi_ns;           /* IPI send to handler entry */
	struct param ipi_send_ns;      /* the sender's cost per IPI */
	struct param irq_ns;           /* handler entry+exit on the receiver */
	struct param idle_exit_ns;     /* an idle hardware thread starts running */
	struct param smt_slow;         /* work slowdown while the sibling runs */
	struct param mlp;              /* independent misses in flight (scans) */
	struct param switch_ns;        /* FITTED: per switch, everything not in a template */
	struct param syscall_ns;       /* a pipe read or write, not counting lines */
	struct param arb_near;         /* near_mix: P(line goes to the nearest waiter) */
	enum arb_policy arb_policy;
	bool fitted;                   /* switch_ns and arb_near come from a fit */
};

/* Returns 0, or 2 with a message naming the file, line and field. */
int machine_load(const char *path, struct machine *m, char *err, size_t errlen);
enum dist machine_dist(const struct machine *m, int a, int b);
/* hwthread of (core c, thread t): cores numbered socket by socket */
static inline int machine_hwt(const struct machine *m, int core, int t)
{
	return core * m->smt + t;
}
static inline int machine_cores(const struct machine *m)
{
	return m->sockets * m->ccx_per_socket * m->cores_per_ccx;
}

/* ---- the simulator ---- */

enum wl { WLP_CS1, WLP_IDLE, WLP_NR };
enum wmode { WM_THREADS, WM_PROCESSES, WM_NR };
extern const char *const wl_names[WLP_NR];
extern const char *const wmode_names[WM_NR];

/* Parameter values of one run: each field picks v, lo or hi. */
struct sim_point {
	double lat[D_NR], rmw, fence, store, load, cr3, cr3_flush, ipi, idle_exit;
	double smt_slow, switch_ns, syscall, arb_near;
	enum arb_policy arb_policy;
	double ipi_send, irq, mlp;     /* the teardown's (teardown.c) */
};
void sim_point_from(const struct machine *m, struct sim_point *p);
/* The teardown band's corners: every cost the teardown charges (latencies,
 * rmw, fence, CR3, IPI, IPI send, IRQ) at the low (hi = false) or high end
 * of its range, and mlp at the opposite end.  td_cost() is a sum of
 * non-negative counts times these costs (divided by mlp for scans), so it
 * is monotone in each and the corners bound it over the whole box. */
void td_point_bound(const struct machine *m, struct sim_point *p, bool hi);

/* The per-switch cost table of one scheme, resolved from the templates. */
struct sim_scheme {
	const char *name;
	/* per path: RMWs on the mm's lines, fences, local stores, CR3 ... */
	double rmw_count[TP_NR], rmw_cpumask[TP_NR], rmw_other[TP_NR], fences[TP_NR];
	double stores[TP_NR], loads[TP_NR], cr3[TP_NR], cr3_flush[TP_NR], rmw_local[TP_NR];
	double locks_rq[TP_NR], locks_pi[TP_NR];
};
int sim_scheme_from(const struct tmpl_set *ts, const char *name, struct sim_scheme *s);

struct sim_result {
	double ops_per_sec;
	uint64_t ops;                                /* counted operations in the window */
	uint64_t round_trips, started, in_flight;   /* conservation: whole run */
	uint64_t switches[TP_NR];
	uint64_t line_rmw, line_waits;
	double rmw_wait_ns;                          /* mean queueing per tracked RMW */
	/* grants of the mm_count lines in the window, by the distance the line
	 * travelled (from its owner to the new holder; D_SELF: it stayed) */
	uint64_t count_grants[D_NR];
	uint64_t events;
};

enum placement {
	PL_WIS,              /* will-it-scale: pair i on core i mod ncores, both threads */
	PL_BENCH,            /* lazymm bench: pair i on CPUs 2i, 2i+1, each pinned */
};

struct sim_cfg {
	const struct machine *m;
	enum placement placement;
	struct sim_point p;
	const struct sim_scheme *s;
	enum wl wl;
	enum wmode mode;
	int tasks;
	uint64_t seed;
	double warmup_ns, window_ns;
};
int sim_run(const struct sim_cfg *c, struct sim_result *r);
int sim_one_line(const struct machine *m, const struct sim_point *p, int n, uint64_t seed,
		 double window_ns, double *per_sec, double *mean_wait_ns);
/* One line, a script: hardware thread hw[i] asks for one RMW at t[i]
 * (ascending); the line starts owned by owner0 (-1: memory).  Writes the
 * order the requests were served in (indexes into hw[]) and each one's
 * completion time.  For hand-computed cases (tests/predict/unit.c). */
int sim_line_script(const struct machine *m, const struct sim_point *p, int owner0, int n,
		    const int *hw, const double *t, int *order, double *done);

/* ---- sweeps (sweep.c) ---- */
struct sweep_in {
	const struct machine *m;
	enum placement placement;
	const struct sim_scheme *refcount, *none;
	uint64_t seed;
	bool band, quick;
	bool long_window;              /* the fit: three times the round trips */
};

struct pred_row {
	enum wl wl;
	enum wmode mode;
	int tasks;
	const struct sim_scheme *scheme;
	double ops_per_sec, speedup, fraction;
	double lo, hi;                 /* speedup band */
	double flo, fhi;               /* fraction band */
	double switches_per_op, rmw_per_switch, fences_per_switch, cr3_per_switch;
	double uu_share;               /* user->user switches: no lazy mode */
	struct sim_result res;
	bool failed;
};
/* Parameter sets a point is run with: the nominal, and each band parameter
 * the machine's arb_policy uses at its low and its high end. */
int sweep_nsets(const struct machine *m, bool band);
/* Names of those band parameters (their count is returned). */
int sweep_band_names(const struct machine *m, const char **names, int max);
double sweep_window_ns(const struct machine *m, enum wl wl, int tasks, bool quick, bool longw);
int sweep_run(const struct sweep_in *in, struct pred_row *rows, int nrows, int threads);

/* ---- the teardown cost ---- */
struct td_cost {
	double initiator_ns;   /* __mmput() + __mmdrop() on the exiting CPU */
	double remote_ns;      /* CPU time of the IPI handlers elsewhere */
	double deferred_ns;    /* work the scheme leaves to the lazy CPUs (refcount) */
	double ipis, scanned;
};
void td_cost(const struct machine *m, const struct sim_point *p, const struct tmpl_set *ts,
	     const char *scheme, int n, int k, bool mapped, struct td_cost *out);

/* ---- output (report.c) ---- */
struct td_row {
	const char *scheme;
	int n, k;
	bool mapped;
	struct td_cost c;
	struct td_cost lo, hi;         /* the band: td_point_bound()'s corners */
};

struct report {
	const struct machine *m;
	const char *templates;
	const struct pred_row *rows;
	int nrows;
	const char *const *schemes;
	int nschemes;
	const struct td_row *td;
	int ntd, ntd_schemes;
	const char *const *td_schemes;
	char cross[32][160];
	int ncross;
	/* public measurements to draw beside the prediction (hazptr over refcount) */
	struct obs { int tasks; double speedup; bool fitted; } obs[16];
	int obs_n;
};
void report_table(FILE *f, const struct report *r);
void report_teardown(FILE *f, const struct report *r);
void report_csv(FILE *f, const struct report *r);
void report_json(FILE *f, const struct report *r);
int report_plot(const char *png, const struct report *r);

#endif /* LAZYMM_PREDICT_H */
