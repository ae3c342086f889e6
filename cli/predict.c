/*
 * predict.c - `lazymm predict`: the model's operation templates charged on
 * a described machine (predict/predict.h, docs/predict.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../predict/predict.h"

static int cmd_predict(int argc, char **argv);

static const int rfc_tasks[] = { 1, 2, 3, 6, 12, 24, 48, 96, 192, 384, 768 };
#define NRFC ((int)(sizeof(rfc_tasks) / sizeof(rfc_tasks[0])))
/* The RFC's hazptr/refcount points at -t <= 48: the only fitting set. */
static const double rfc_fit[] = { -0.2, 0.4, 0.2, 0.6, 0.8, 3.0, 12.0 };
#define NFIT 7

#define MAX_TASKS 32
#define MAX_SCHEMES 16

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm predict [OPTIONS]\n"
		"\n"
		"Simulate will-it-scale on a machine we do not have, every scheme side by side,\n"
		"from the operation templates extracted from the model (docs/predict.md).\n"
		"\n"
		"  --machine NAME|FILE   predict/machines/NAME.conf (default epyc9654x2)\n"
		"  --workload LIST       context_switch1, idle_cycle, exit (default context_switch1,exit)\n"
		"  --mode LIST           threads, processes (default both)\n"
		"  --tasks LIST          -t values (default the RFC's 1,2,3,6,12,24,48,96,192,384,768)\n"
		"  --schemes LIST        default: every scheme of the templates\n"
		"  --csv | --json        machine-readable output on stdout\n"
		"  --plot FILE.png       gnuplot figure: speedup over refcount vs tasks, with bands\n"
		"  --out PREFIX          also write PREFIX.txt, .csv, .json, .png\n"
		"  --no-band             nominal parameters only (no band)\n"
		"  --quick               shorter simulated windows\n"
		"  --placement wis|bench will-it-scale's affinity (default) or lazymm bench's\n"
		"  --seed N              simulator seed (default 1)\n"
		"  --threads N           worker threads (default 2)\n"
		"  --templates FILE      default predict/templates/templates.tsv\n"
		"  --extract             run the model, print the templates (TSV) and exit\n"
		"  --check-templates FILE  re-extract and compare with FILE: exit 1 if they differ\n"
		"  --fit                 fit switch_ns (and arb_near under near_mix) on the RFC's -t <= 48 points\n"
		"  --fit-switch-ns LIST  the fit's switch_ns grid, ns (default 1500,2000,2500,3000,3500,4000)\n"
		"  --help\n"
		"Exit: 0 done, 1 templates differ, 2 bad usage or machine file, 3 I/O or gnuplot.\n");
}

static const char *dir(void)
{
	const char *d = getenv("LAZYMM_PREDICT_DIR");

	return d && *d ? d : "predict";
}

struct opts {
	const char *machine, *templates, *plot, *out, *check;
	bool wl[3], mode[WM_NR], csv, json, band, quick, extract, fit;
	int tasks[MAX_TASKS], ntasks;
	double fit_sw[MAX_TASKS];               /* --fit-switch-ns: the fit's grid */
	int nfit_sw;
	const char *schemes[MAX_SCHEMES];
	char scheme_names[MAX_SCHEMES][32];     /* what schemes[] points at */
	int nschemes;
	enum placement placement;
	uint64_t seed;
	int threads;
};

static const struct cli_cmd *self(void);

static int split(char *s, char **out, int max, const char *opt)
{
	int n = 0;
	char *p = s;

	for (;;) {
		char *c = strchr(p, ',');

		if (c)
			*c = 0;
		if (!*p)
			cli_usage_error(self(), "%s: empty element in the list", opt);
		if (n == max)
			cli_usage_error(self(), "%s: more than %d elements", opt, max);
		for (int i = 0; i < n; i++)
			if (!strcmp(out[i], p))
				cli_usage_error(self(), "%s: '%s' given twice", opt, p);
		out[n++] = p;
		if (!c)
			return n;
		p = c + 1;
	}
}

enum {
	O_MACHINE, O_TEMPLATES, O_WORKLOAD, O_MODE, O_TASKS, O_SCHEMES, O_CSV, O_JSON, O_PLOT,
	O_OUT, O_NO_BAND, O_QUICK, O_PLACEMENT, O_SEED, O_THREADS, O_EXTRACT, O_CHECK, O_FIT,
	O_FIT_SW,
};
static const struct cli_opt options[] = {
	{ "--machine", NULL, true, O_MACHINE }, { "--templates", NULL, true, O_TEMPLATES },
	{ "--workload", NULL, true, O_WORKLOAD }, { "--mode", NULL, true, O_MODE },
	{ "--tasks", "-t", true, O_TASKS }, { "--schemes", NULL, true, O_SCHEMES },
	{ "--csv", NULL, false, O_CSV }, { "--json", NULL, false, O_JSON },
	{ "--plot", NULL, true, O_PLOT }, { "--out", NULL, true, O_OUT },
	{ "--no-band", NULL, false, O_NO_BAND }, { "--quick", NULL, false, O_QUICK },
	{ "--placement", NULL, true, O_PLACEMENT }, { "--seed", NULL, true, O_SEED },
	{ "--threads", NULL, true, O_THREADS }, { "--extract", NULL, false, O_EXTRACT },
	{ "--check-templates", NULL, true, O_CHECK }, { "--fit", NULL, false, O_FIT },
	{ "--fit-switch-ns", NULL, true, O_FIT_SW },
	{ NULL, NULL, false, 0 },
};

struct pstate {
	struct opts *o;
	bool wl_set, mode_set;
};

static void on_opt(void *st, int id, const char *opt, const char *val)
{
	struct pstate *ps = st;
	struct opts *o = ps->o;
	static const char *const wls[] = { "context_switch1", "idle_cycle", "exit", NULL };
	static const char *const modes[] = { "threads", "processes", NULL };
	static const char *const places[] = { "wis", "bench", NULL };
	char *items[MAX_TASKS], *v;
	int n;

	switch (id) {
	case O_MACHINE: o->machine = val; break;
	case O_TEMPLATES: o->templates = val; break;
	case O_WORKLOAD:
		v = strdup(val);
		n = split(v, items, MAX_TASKS, opt);
		ps->wl_set = true;
		for (int k = 0; k < n; k++)
			o->wl[cli_choice(self(), opt, items[k], wls)] = true;
		free(v);
		break;
	case O_MODE:
		v = strdup(val);
		n = split(v, items, MAX_TASKS, opt);
		ps->mode_set = true;
		for (int k = 0; k < n; k++)
			o->mode[cli_choice(self(), opt, items[k], modes)] = true;
		free(v);
		break;
	case O_TASKS:
		v = strdup(val);
		o->ntasks = split(v, items, MAX_TASKS, opt);
		for (int k = 0; k < o->ntasks; k++)
			o->tasks[k] = (int)cli_u64(self(), opt, items[k], 1, 8192);
		free(v);
		break;
	case O_SCHEMES:
		v = strdup(val);
		o->nschemes = split(v, items, MAX_SCHEMES, opt);
		for (int k = 0; k < o->nschemes; k++) {
			cli_scheme(self(), items[k]);   /* a registry name: exits 2 otherwise */
			snprintf(o->scheme_names[k], sizeof(o->scheme_names[k]), "%s", items[k]);
			o->schemes[k] = o->scheme_names[k];
		}
		free(v);
		break;
	case O_CSV: o->csv = true; break;
	case O_JSON: o->json = true; break;
	case O_PLOT: o->plot = val; break;
	case O_OUT: o->out = val; break;
	case O_NO_BAND: o->band = false; break;
	case O_QUICK: o->quick = true; break;
	case O_PLACEMENT: o->placement = cli_choice(self(), opt, val, places) ? PL_BENCH : PL_WIS; break;
	case O_SEED: o->seed = cli_u64(self(), opt, val, 0, UINT64_MAX); break;
	case O_THREADS: o->threads = (int)cli_u64(self(), opt, val, 1, 16); break;
	case O_EXTRACT: o->extract = true; break;
	case O_CHECK: o->check = val; break;
	case O_FIT: o->fit = true; break;
	case O_FIT_SW:
		v = strdup(val);
		o->nfit_sw = split(v, items, MAX_TASKS, opt);
		for (int k = 0; k < o->nfit_sw; k++)
			o->fit_sw[k] = (double)cli_u64(self(), opt, items[k], 1, 1000000);
		free(v);
		break;
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	struct pstate ps = { .o = o };

	memset(o, 0, sizeof(*o));
	o->machine = "epyc9654x2";
	o->band = true;
	o->seed = 1;
	o->threads = 2;
	cli_parse(self(), options, false, argc, argv, on_opt, &ps);
	if (o->csv && o->json)
		cli_usage_error(self(), "--csv and --json exclude each other");
	if (!ps.wl_set)
		o->wl[0] = o->wl[2] = true;
	if (!ps.mode_set)
		o->mode[WM_THREADS] = o->mode[WM_PROCESSES] = true;
	if (!o->ntasks) {
		memcpy(o->tasks, rfc_tasks, sizeof(rfc_tasks));
		o->ntasks = NRFC;
	}
}

static int load_machine(const struct opts *o, struct machine *m)
{
	char path[600], err[700];

	if (strchr(o->machine, '/') || strstr(o->machine, ".conf"))
		snprintf(path, sizeof(path), "%s", o->machine);
	else
		snprintf(path, sizeof(path), "%s/machines/%s.conf", dir(), o->machine);
	if (machine_load(path, m, err, sizeof(err)) != 0) {
		fprintf(stderr, "lazymm predict: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

static int check_templates(const char *path)
{
	struct tmpl_set live = { 0 }, want = { 0 };
	char err[600];
	int diff = 0;

	if (tmpl_read(path, &want, err, sizeof(err)) != 0) {
		fprintf(stderr, "lazymm predict: %s\n", err);
		return EXIT_USAGE;
	}
	if (tmpl_extract(&live) != 0)
		return EXIT_ERROR;
	for (int i = 0; i < live.nr || i < want.nr; i++) {
		const struct tmpl_entry *a = i < live.nr ? &live.e[i] : NULL, *b = i < want.nr ? &want.e[i] : NULL;

		if (!a || !b || strcmp(a->scheme, b->scheme) || a->path != b->path || a->n != b->n ||
		    a->k != b->k || strcmp(a->counter, b->counter) || fabs(a->value - b->value) > 5e-5) {
			if (diff++ < 10)
				fprintf(stderr, "template differs: model %s %s N=%d K=%d %s %.4f; file %s %s N=%d K=%d %s %.4f\n",
					a ? a->scheme : "-", a ? tmpl_path_names[a->path] : "-", a ? a->n : 0, a ? a->k : 0,
					a ? a->counter : "-", a ? a->value : 0, b ? b->scheme : "-",
					b ? tmpl_path_names[b->path] : "-", b ? b->n : 0, b ? b->k : 0,
					b ? b->counter : "-", b ? b->value : 0);
		}
	}
	tmpl_free(&live);
	tmpl_free(&want);
	if (diff) {
		fprintf(stderr, "lazymm predict: %d template line(s) differ from %s: the model changed a "
				"scheme's operations; re-extract with 'make predict-templates'\n", diff, path);
		return EXIT_VIOLATION;
	}
	printf("templates match %s\n", path);
	return EXIT_OK;
}

/* The calibration: a grid over switch_ns (and arb_near, under the near_mix
 * policy only: timing does not read it), each point scored by the squared
 * error of hazptr over refcount (threads) against the RFC's -t <= 48
 * points.  Nothing else is looked at. */
static int do_fit(const struct opts *o, struct machine *m, const struct sim_scheme *hz,
		  const struct sim_scheme *rc, const struct sim_scheme *none)
{
	/* a first pass over 400..4000 ns x 0..1 put every good point in this box */
	static const double sw_grid[] = { 1500, 2000, 2500, 3000, 3500, 4000 };
	static const double an_grid[] = { 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 };
	enum { NAN_MAX = sizeof(an_grid) / sizeof(an_grid[0]) };
	const double *sw = o->nfit_sw ? o->fit_sw : sw_grid;
	int nsw = o->nfit_sw ? o->nfit_sw : (int)(sizeof(sw_grid) / sizeof(sw_grid[0]));
	bool mix = m->arb_policy == ARB_NEAR_MIX;
	const double *an = mix ? an_grid : &m->arb_near.v;   /* timing: the file's value, unused */
	int nan_ = mix ? NAN_MAX : 1;
	double best = INFINITY, bsw = 0, ban = 0, err[MAX_TASKS][NAN_MAX], maxr[MAX_TASKS][NAN_MAX];
	struct sweep_in in = { .m = m, .placement = PL_WIS, .refcount = rc, .none = none,
			       .seed = o->seed, .band = false, .quick = o->quick, .long_window = true };

	printf("fit: arb_policy %s: grid switch_ns%s\n", arb_policy_names[m->arb_policy],
	       mix ? " x arb_near" : " only (arb_near is not read by this policy)");
	for (int i = 0; i < nsw; i++)
		for (int j = 0; j < nan_; j++) {
			struct pred_row rows[NFIT];
			double a = an[j];

			m->switch_ns.v = sw[i];
			m->arb_near.v = a;
			for (int k = 0; k < NFIT; k++)
				rows[k] = (struct pred_row){ .wl = WLP_CS1, .mode = WM_THREADS,
							     .tasks = rfc_tasks[k], .scheme = hz };
			if (sweep_run(&in, rows, NFIT, o->threads) != 0)
				return EXIT_ERROR;
			err[i][j] = 0;
			maxr[i][j] = 0;
			for (int k = 0; k < NFIT; k++) {
				double r = 100 * (rows[k].speedup - 1) - rfc_fit[k];

				err[i][j] += r * r;
				if (fabs(r) > maxr[i][j])
					maxr[i][j] = fabs(r);
			}
			if (mix)
				printf("fit: switch_ns %5.0f arb_near %.2f  sse %8.2f  max|resid| %5.2f pp  (", sw[i],
				       a, err[i][j], maxr[i][j]);
			else
				printf("fit: switch_ns %5.0f  sse %8.2f  max|resid| %5.2f pp  (", sw[i], err[i][j],
				       maxr[i][j]);
			for (int k = 0; k < NFIT; k++)
				printf("%s%+.1f", k ? " " : "", 100 * (rows[k].speedup - 1));
			printf(")\n");
			if (err[i][j] < best) {
				best = err[i][j];
				bsw = sw[i];
				ban = a;
			}
		}
	/* the band: every grid point whose worst residual is within 3 pp of
	 * the RFC's points (the simulator's own run-to-run spread at -t 48 is
	 * about that, and the RFC's points are medians of 3 runs) */
	{
		double slo = INFINITY, shi = -INFINITY, alo = INFINITY, ahi = -INFINITY;

		for (int i = 0; i < nsw; i++)
			for (int j = 0; j < nan_; j++)
				if (maxr[i][j] <= 3.0) {
					slo = fmin(slo, sw[i]); shi = fmax(shi, sw[i]);
					alo = fmin(alo, an[j]); ahi = fmax(ahi, an[j]);
				}
		printf("best: switch_ns = %.0f [%.0f..%.0f]\n", bsw, isfinite(slo) ? slo : bsw,
		       isfinite(shi) ? shi : bsw);
		if (mix)
			printf("best: arb_near = %.2f [%.2f..%.2f]\n", ban, isfinite(alo) ? alo : ban,
			       isfinite(ahi) ? ahi : ban);
	}
	return EXIT_OK;
}

static double td_metric(const struct td_row *t, int metric)
{
	return metric == 0 ? t->c.initiator_ns : t->c.initiator_ns + t->c.remote_ns + t->c.deferred_ns;
}

/* Where one scheme's teardown overtakes another's as N grows: on the
 * exiting CPU's time, and on the CPU time of the whole machine. */
static void crossovers(struct report *r, const struct td_row *td, int ntd, int nsch,
		       const char *const *names, double ipi_ns)
{
	static const char *const metric_name[2] = { "exiting CPU's time", "CPU time, all CPUs" };
	int none = -1;

	for (int s = 0; s < nsch; s++)
		if (!strcmp(names[s], "none"))
			none = s;
	/* where a scheme's extra work on the exiting CPU, over none's (the
	 * same exit without any tracking), first exceeds one IPI round trip */
	for (int mapped = 1; mapped >= 0 && none >= 0; mapped--)
		for (int s = 0; s < nsch; s++) {
			if (s == none)
				continue;
			for (int i = 0; i < ntd; i += nsch) {
				if (td[i].mapped != mapped)
					continue;
				if (td[i + s].c.initiator_ns - td[i + none].c.initiator_ns >= ipi_ns) {
					if (r->ncross < 32)
						snprintf(r->cross[r->ncross++], sizeof(r->cross[0]),
							 "%s: %s's teardown exceeds none's by one IPI round trip (%.1f us) from %d CPUs",
							 mapped ? "mapped" : "unmapped", names[s], ipi_ns / 1e3, td[i].n);
					break;
				}
			}
		}

	for (int metric = 0; metric < 2; metric++)
		for (int mapped = 1; mapped >= 0; mapped--)
			for (int a = 0; a < nsch; a++)
				for (int b = a + 1; b < nsch; b++) {
					int prev = 0, prev_n = 0;

					if (!strcmp(names[a], "none") || !strcmp(names[b], "none"))
						continue;
					for (int i = 0; i < ntd; i += nsch) {
						const struct td_row *x = &td[i + a], *y = &td[i + b];
						double d = td_metric(x, metric) - td_metric(y, metric);
						int sg = fabs(d) < 1 ? 0 : d > 0 ? 1 : -1;

						if (x->mapped != mapped)
							continue;
						if (sg && prev && sg != prev && r->ncross < 32)
							snprintf(r->cross[r->ncross++], sizeof(r->cross[0]),
								 "%s, %s: %s becomes %s than %s between %d and %d CPUs",
								 metric_name[metric], mapped ? "mapped" : "unmapped",
								 names[a], sg > 0 ? "costlier" : "cheaper", names[b],
								 prev_n, x->n);
						if (sg)
							prev = sg;
						prev_n = x->n;
					}
				}
}

static FILE *open_out(const char *prefix, const char *ext)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", prefix, ext);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "lazymm predict: cannot write %s\n", path);
	return f;
}

static int cmd_predict(int argc, char **argv)
{
	static struct machine m;
	struct opts o;
	struct tmpl_set ts = { 0 };
	struct sim_scheme sch[MAX_SCHEMES], rc, none;
	const char *names[MAX_SCHEMES];
	char tpath[600], err[700];
	struct pred_row *rows;
	struct td_row *td = NULL;
	struct report rep;
	int nsch = 0, nrows = 0, ntd = 0, status = EXIT_OK;
	struct timespec t0, t1;

	parse(argc, argv, &o);
	if (o.extract) {
		if (tmpl_extract(&ts) != 0)
			return EXIT_ERROR;
		tmpl_write(stdout, &ts);
		tmpl_free(&ts);
		return EXIT_OK;
	}
	if (o.check)
		return check_templates(o.check);
	if (load_machine(&o, &m) != 0)
		return EXIT_USAGE;
	snprintf(tpath, sizeof(tpath), "%s", o.templates ? o.templates : "");
	if (!o.templates)
		snprintf(tpath, sizeof(tpath), "%s/templates/templates.tsv", dir());
	if (tmpl_read(tpath, &ts, err, sizeof(err)) != 0) {
		fprintf(stderr, "lazymm predict: %s\n", err);
		return EXIT_USAGE;
	}
	if (tmpl_unknown_counter(&ts)) {
		fprintf(stderr, "lazymm predict: %s: counter '%s' has no cost in the simulator: give it one in predict/tmpl.c\n",
			tpath, tmpl_unknown_counter(&ts));
		return EXIT_USAGE;
	}
	/* the baseline (refcount) and the limit (none), as the registry names them */
	if (sim_scheme_from(&ts, lazy_role_scheme(LAZY_BASELINE), &rc) ||
	    sim_scheme_from(&ts, lazy_role_scheme(LAZY_LIMIT), &none)) {
		fprintf(stderr, "lazymm predict: %s lacks the baseline or the limit scheme: re-extract (make predict-templates)\n",
			tpath);
		return EXIT_USAGE;
	}
	for (int i = 0; lazy_schemes[i] && nsch < MAX_SCHEMES; i++) {
		const char *n = lazy_schemes[i]->name;
		bool want = !o.nschemes;

		for (int k = 0; k < o.nschemes; k++)
			want |= !strcmp(o.schemes[k], n);
		if (!want)
			continue;
		if (sim_scheme_from(&ts, n, &sch[nsch]) != 0) {
			fprintf(stderr, "lazymm predict: scheme '%s' has no templates in %s: re-extract (make predict-templates)\n",
				n, tpath);
			return EXIT_USAGE;
		}
		names[nsch++] = n;
	}
	if (o.fit) {
		const struct sim_scheme *hz = NULL;

		for (int i = 0; i < nsch; i++)
			if (!strcmp(names[i], "hazptr"))
				hz = &sch[i];
		if (!hz)
			cli_usage_error(self(), "--fit needs the hazptr scheme");
		return do_fit(&o, &m, hz, &rc, &none);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rows = calloc((size_t)(2 * WM_NR * o.ntasks * nsch) + 1, sizeof(*rows));
	if (!rows)
		return EXIT_ERROR;
	for (int w = 0; w < 2; w++)
		for (int md = 0; md < WM_NR; md++)
			for (int t = 0; t < o.ntasks && o.wl[w] && o.mode[md]; t++)
				for (int s = 0; s < nsch; s++)
					rows[nrows++] = (struct pred_row){ .wl = (enum wl)w, .mode = (enum wmode)md,
									   .tasks = o.tasks[t], .scheme = &sch[s] };
	{
		struct sweep_in in = { .m = &m, .placement = o.placement, .refcount = &rc, .none = &none,
				       .seed = o.seed, .band = o.band, .quick = o.quick };

		if (sweep_run(&in, rows, nrows, o.threads) != 0) {
			fprintf(stderr, "lazymm predict: a simulation could not run\n");
			return EXIT_ERROR;
		}
	}
	if (o.wl[2]) {
		struct sim_point p, plo, phi;

		sim_point_from(&m, &p);
		td_point_bound(&m, &plo, false);
		td_point_bound(&m, &phi, true);
		td = calloc(2 * 16 * (size_t)nsch, sizeof(*td));
		for (int mapped = 1; mapped >= 0; mapped--)
			for (int n = 2; n <= m.nr_cpus && n <= 4096; n = n * 2 > m.nr_cpus && n < m.nr_cpus ? m.nr_cpus : n * 2)
				for (int s = 0; s < nsch; s++) {
					td[ntd] = (struct td_row){ .scheme = names[s], .n = n, .k = n - 1,
								   .mapped = mapped };
					td_cost(&m, &p, &ts, names[s], n, n - 1, mapped, &td[ntd].c);
					td_cost(&m, &plo, &ts, names[s], n, n - 1, mapped, &td[ntd].lo);
					td_cost(&m, &phi, &ts, names[s], n, n - 1, mapped, &td[ntd].hi);
					ntd++;
				}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&rep, 0, sizeof(rep));
	rep.m = &m;
	rep.templates = tpath;
	rep.rows = rows;
	rep.nrows = nrows;
	rep.schemes = names;
	rep.nschemes = nsch;
	rep.td = td;
	rep.ntd = ntd;
	rep.ntd_schemes = nsch;
	rep.td_schemes = names;
	crossovers(&rep, td, ntd, nsch, names, m.ipi_ns.v);
	if (!strcmp(m.name, "epyc9654x2")) {
		/* the RFC's points: the fitting set, and +28 % at 192 (not fitted) */
		for (int k = 0; k < NFIT; k++)
			rep.obs[rep.obs_n++] = (struct obs){ rfc_tasks[k], 1 + rfc_fit[k] / 100, true };
		rep.obs[rep.obs_n++] = (struct obs){ 192, 1.28, false };
	}
	if (o.csv)
		report_csv(stdout, &rep);
	else if (o.json)
		report_json(stdout, &rep);
	else {
		report_table(stdout, &rep);
		report_teardown(stdout, &rep);
		printf("\nsimulated in %.1f s (%d rows x %d parameter sets)\n",
		       (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), nrows,
		       sweep_nsets(&m, o.band));
	}
	if (o.out) {
		FILE *f;

		if ((f = open_out(o.out, "txt"))) { report_table(f, &rep); report_teardown(f, &rep); fclose(f); } else status = EXIT_ERROR;
		if ((f = open_out(o.out, "csv"))) { report_csv(f, &rep); fclose(f); } else status = EXIT_ERROR;
		if ((f = open_out(o.out, "json"))) { report_json(f, &rep); fclose(f); } else status = EXIT_ERROR;
		if (nrows || ntd) {
			char png[620];

			snprintf(png, sizeof(png), "%s.png", o.out);
			if (report_plot(png, &rep) != 0) {
				fprintf(stderr, "lazymm predict: gnuplot could not draw %s\n", png);
				status = EXIT_ERROR;
			}
		}
	}
	if (o.plot && (nrows || ntd) && report_plot(o.plot, &rep) != 0) {
		fprintf(stderr, "lazymm predict: gnuplot could not draw %s\n", o.plot);
		status = EXIT_ERROR;
	}
	free(rows);
	free(td);
	tmpl_free(&ts);
	return status;
}

const struct cli_cmd cli_predict = {
	"predict", "simulate the benchmark on machines we do not have (docs/predict.md)",
	cmd_predict, usage,
};

static const struct cli_cmd *self(void)
{
	return &cli_predict;
}
