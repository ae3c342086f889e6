/*
 * sweep.c - predictions for a list of points, with their bands.
 *
 * A point is (workload, mode, tasks, scheme).  Its figure is one run at
 * the machine file's values; speedup over refcount and fraction of none
 * are ratios of runs with the same parameters and the same seed.  The
 * band: every band parameter is set to its low, then its high end (one at
 * a time, the others at their values), the ratio recomputed each time;
 * the band is the least and greatest ratio seen, the nominal included.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

/* The parameters the band spans: the fitted ones and the uncertain ones.
 * A parameter that only one arbitration policy reads (policy >= 0) is in
 * the band only when the machine file chooses that policy: under another
 * its low and high ends would reproduce the nominal run, twice, for
 * nothing. */
struct band_param {
	const char *name;
	size_t moff;            /* struct param in struct machine */
	int policy;             /* the only arb_policy that reads it, or -1: every policy */
};
#define BP(f, field, pol) { #f, offsetof(struct machine, field), pol }
static const struct band_param band_params[] = {
	BP(switch_ns, switch_ns, -1), BP(arb_near, arb_near, ARB_NEAR_MIX),
	BP(idle_exit_ns, idle_exit_ns, -1), BP(smt_slow, smt_slow, -1), BP(lat, lat[D_CCX], -1),
};
#undef BP
#define NBAND ((int)(sizeof(band_params) / sizeof(band_params[0])))

/* The band parameters the machine's policy uses, in band_params[] order. */
static int active_params(const struct machine *m, const struct band_param **out)
{
	int n = 0;

	for (int j = 0; j < NBAND; j++)
		if (band_params[j].policy < 0 || band_params[j].policy == (int)m->arb_policy)
			out[n++] = &band_params[j];
	return n;
}

int sweep_band_names(const struct machine *m, const char **names, int max)
{
	const struct band_param *bp[NBAND];
	int n = active_params(m, bp);

	for (int j = 0; j < n && j < max; j++)
		names[j] = bp[j]->name;
	return n;
}

/* Parameter set i: 0 nominal, 2j+1 active param j low, 2j+2 high. */
static void point_for(const struct machine *m, int i, struct sim_point *p)
{
	struct machine mm = *m;

	if (i > 0) {
		const struct band_param *act[NBAND];
		const struct band_param *bp;
		bool high = (i - 1) % 2;

		active_params(m, act);
		bp = act[(i - 1) / 2];

		if (!strcmp(bp->name, "lat")) {
			/* the transfer latencies move together, p10 to p90 */
			for (int d = 0; d < D_NR; d++)
				mm.lat[d].v = high ? m->lat[d].hi : m->lat[d].lo;
		} else {
			struct param *pp = (struct param *)((char *)&mm + bp->moff);

			pp->v = high ? pp->hi : pp->lo;
		}
	}
	sim_point_from(&mm, p);
}

int sweep_nsets(const struct machine *m, bool band)
{
	const struct band_param *act[NBAND];

	return band ? 1 + 2 * active_params(m, act) : 1;
}

double sweep_window_ns(const struct machine *m, enum wl wl, int tasks, bool quick, bool longw)
{
	double rt = 4 * (m->switch_ns.v + m->syscall_ns.v) + 2 * m->idle_exit_ns.v;
	/* round trips in the window; the fit lengthens the contended points */
	double target = quick ? 1500 : longw && tasks >= 12 ? 15000 : 5000;
	double w = target * rt / (wl == WLP_CS1 ? tasks : tasks * 0.5);

	if (w < 12 * rt)             /* many pairs: a few round trips each suffice */
		w = 12 * rt;
	return w;
}

/*
 * The work is split by (point, parameter set): each job runs every scheme
 * of the point (and refcount, none) once with that set, so the reference
 * runs are shared by all schemes.  Rows of one point are consecutive.
 */
struct job {
	const struct sweep_in *in;
	struct pred_row *rows;
	int nrows;
	int *first;                /* first row of each point */
	int npoints, nsets;
	struct sim_result *res;    /* [point][set][k]: k < n rows, then refcount, none */
	int width;                 /* schemes per point + 2 */
	_Atomic int next;
	_Atomic int failed;
};

static void run_job(struct job *j, int idx)
{
	int pt = idx / j->nsets, set = idx % j->nsets;
	int r0 = j->first[pt], n = j->first[pt + 1] - r0;
	const struct pred_row *row = &j->rows[r0];
	struct sim_cfg c = {
		.m = j->in->m, .placement = j->in->placement, .wl = row->wl, .mode = row->mode,
		.tasks = row->tasks, .seed = j->in->seed,
	};
	struct sim_result *out = &j->res[(size_t)idx * (size_t)j->width];

	point_for(j->in->m, set, &c.p);
	c.window_ns = sweep_window_ns(j->in->m, row->wl, row->tasks, j->in->quick, j->in->long_window);
	c.warmup_ns = c.window_ns / 4;
	for (int k = 0; k < n + 2; k++) {
		c.s = k < n ? j->rows[r0 + k].scheme : k == n ? j->in->refcount : j->in->none;
		if (k < n && (c.s == j->in->refcount || c.s == j->in->none)) {
			out[k].ops_per_sec = -1;          /* the reference run's */
			continue;
		}
		if (sim_run(&c, &out[k]) != 0)
			atomic_store(&j->failed, 1);
	}
	for (int k = 0; k < n; k++)
		if (out[k].ops_per_sec < 0)
			out[k] = out[j->rows[r0 + k].scheme == j->in->refcount ? n : n + 1];
}

static void *worker(void *arg)
{
	struct job *j = arg;
	int i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->npoints * j->nsets)
		run_job(j, i);
	return NULL;
}

static void finish_row(struct job *j, int pt, int k)
{
	struct pred_row *row = &j->rows[j->first[pt] + k];
	int n = j->first[pt + 1] - j->first[pt];

	row->lo = row->flo = INFINITY;
	row->hi = row->fhi = -INFINITY;
	for (int set = 0; set < j->nsets; set++) {
		const struct sim_result *o = &j->res[((size_t)pt * (size_t)j->nsets + (size_t)set) * (size_t)j->width];
		const struct sim_result *r = &o[k], *rr = &o[n], *rn = &o[n + 1];
		double sp = rr->ops_per_sec > 0 ? r->ops_per_sec / rr->ops_per_sec : NAN;
		double fr = rn->ops_per_sec > 0 ? r->ops_per_sec / rn->ops_per_sec : NAN;

		if (set == 0) {
			double sw = 0, rmw = 0, fen = 0, cr3 = 0;
			const struct sim_scheme *sc = row->scheme;

			row->ops_per_sec = r->ops_per_sec;
			row->speedup = sp;
			row->fraction = fr;
			row->res = *r;
			for (int p = 0; p < TP_NR; p++) {
				sw += (double)r->switches[p];
				rmw += (double)r->switches[p] * (sc->rmw_count[p] + sc->rmw_cpumask[p]);
				fen += (double)r->switches[p] * sc->fences[p];
				cr3 += (double)r->switches[p] * sc->cr3[p];
			}
			row->switches_per_op = r->ops ? sw / (double)r->ops : 0;
			row->rmw_per_switch = sw > 0 ? rmw / sw : 0;
			row->fences_per_switch = sw > 0 ? fen / sw : 0;
			row->cr3_per_switch = sw > 0 ? cr3 / sw : 0;
			row->uu_share = sw > 0 ? (double)(r->switches[TP_CS_UU_SAME] + r->switches[TP_CS_UU_DIFF]) / sw : 0;
		}
		row->lo = fmin(row->lo, sp);
		row->hi = fmax(row->hi, sp);
		row->flo = fmin(row->flo, fr);
		row->fhi = fmax(row->fhi, fr);
	}
}

int sweep_run(const struct sweep_in *in, struct pred_row *rows, int nrows, int threads)
{
	struct job j = { .in = in, .rows = rows, .nrows = nrows, .nsets = sweep_nsets(in->m, in->band) };
	pthread_t th[16];
	int n = threads < 1 ? 1 : threads > 16 ? 16 : threads, started = 0, maxw = 0, rc = 0;

	j.first = calloc((size_t)nrows + 1, sizeof(int));
	if (!j.first)
		return -1;
	for (int i = 0; i < nrows; i++)
		if (i == 0 || rows[i].wl != rows[i - 1].wl || rows[i].mode != rows[i - 1].mode ||
		    rows[i].tasks != rows[i - 1].tasks)
			j.first[j.npoints++] = i;
	j.first[j.npoints] = nrows;
	for (int p = 0; p < j.npoints; p++)
		if (j.first[p + 1] - j.first[p] > maxw)
			maxw = j.first[p + 1] - j.first[p];
	j.width = maxw + 2;
	j.res = calloc((size_t)j.npoints * (size_t)j.nsets * (size_t)j.width, sizeof(*j.res));
	if (!j.res) {
		free(j.first);
		return -1;
	}
	for (int i = 0; i < n - 1; i++)
		if (pthread_create(&th[i], NULL, worker, &j) == 0)
			started++;
	worker(&j);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (atomic_load(&j.failed))
		rc = -1;
	else
		for (int p = 0; p < j.npoints; p++)
			for (int k = 0; k < j.first[p + 1] - j.first[p]; k++)
				finish_row(&j, p, k);
	free(j.first);
	free(j.res);
	return rc;
}
