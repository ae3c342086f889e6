/*
 * bench.c - `lazymm bench`: the RFC's experiment for every scheme, side by side.
 *
 * Method (docs/bench.md): for each workload, mode and task count, the
 * schemes are measured interleaved in rounds (A B C D E, A B C D E, ...),
 * each sample on a fresh simulated machine: a warm-up, then one counted
 * window of --seconds.  A scheme's result is the median of its samples,
 * shown with their min-max.  Every sample runs with all checkers on; a
 * safe scheme that breaks an invariant fails the run (exit status 1).
 * `none` is unsafe by design: its violations are counted and shown, not
 * held against the run (it is the limit, not a candidate).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define DEF_SECONDS   0.25
#define DEF_ROUNDS    5
#define DEF_WARMUP    0.08
#define QUICK_SECONDS 0.06
#define QUICK_ROUNDS  2
#define QUICK_WARMUP  0.02

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
	enum out_fmt fmt;
	const char *out, *plot;
	const char *mutant;
	bool quick, no_plot, progress;
};

static const char *const C = "bench";

static void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm bench [--workload LIST] [--mode LIST] [--schemes LIST] [-t|--tasks LIST]\n"
		"                    [-s|--seconds S] [--rounds N] [--warmup S] [--seed X]\n"
		"                    [--switch-work auto|NS] [--delay NS] [--cpus N] [--exit-map yes|no]\n"
		"                    [--csv | --json] [--out PREFIX] [--plot FILE.png] [--no-plot] [--quick]\n"
		"  --workload LIST   idle_cycle, context_switch1, exit, tlb_flush, or all\n"
		"                    (default: idle_cycle,context_switch1,exit)\n"
		"  --mode LIST       threads (one shared mm), processes (an mm per task: the\n"
		"                    control), or both (default both)\n"
		"  --schemes LIST    lazy-mm schemes (default: all five; 'lazymm schemes')\n"
		"  --tasks LIST      task counts, e.g. 1,2,3 (default per workload: 1 .. all CPUs\n"
		"                    busy, plus one oversubscribed point; exit: K = 0 .. CPUs-1)\n"
		"  --seconds S       length of each counted sample (default %g; --quick %g)\n"
		"  --rounds N        samples per scheme, interleaved A B C.. A B C.. (default %d)\n"
		"  --warmup S        warm-up before each sample (default %g)\n"
		"  --seed X          seed of the simulated machine (default 1)\n"
		"  --switch-work W   work added to each simulated context switch: 'auto' (default)\n"
		"                    measures a real switch on this machine (pipe ping-pong), 0 shows\n"
		"                    the raw model, NS adds that many nanoseconds\n"
		"  --delay NS        idle_cycle/tlb_flush: model-timer sleep per cycle (default 0:\n"
		"                    the task is woken at its CPU's next timer tick)\n"
		"  --cpus N          simulated CPUs (default: this machine's cores, at most %d)\n"
		"  --exit-map yes|no exit: the dying process maps memory, so exit_mmap() flushes\n"
		"                    and evicts lazy CPUs first (default yes)\n"
		"  --csv, --json     print CSV or JSON instead of the table\n"
		"  --out PREFIX      also write PREFIX.txt, PREFIX.csv, PREFIX.json, PREFIX.png\n"
		"  --plot FILE.png   draw speedup over refcount against tasks (gnuplot)\n"
		"  --no-plot         with --out: no PREFIX.png\n"
		"  --quick           smoke run: %d rounds of %g s samples\n"
		"  --mutant NAME     run the schemes that have it as this deliberately broken\n"
		"                    variant ('lazymm mutants'): the run must fail (tests)\n"
		"Exit status: 0 done; 1 a safe scheme reported a violation (or hung); 2 bad usage;\n"
		"3 a file could not be written or gnuplot is missing for a requested figure.\n",
		DEF_SECONDS, QUICK_SECONDS, DEF_ROUNDS, DEF_WARMUP, NR_CPUS_MAX,
		QUICK_ROUNDS, QUICK_SECONDS);
}

/* ---- option parsing ---- */

/* Split a copy of a comma list (argv stays as it was: ps shows it);
 * rejects empty elements.  The caller frees items[0]. */
static int split_list(const char *opt, const char *val, char **items, int max)
{
	char *s = strdup(val);
	int n = 0;

	if (!s) {
		fprintf(stderr, "lazymm bench: out of memory\n");
		exit(EXIT_ERROR);
	}
	for (char *tok = s;; ) {
		char *comma = strchr(tok, ',');

		if (comma)
			*comma = 0;
		if (!*tok)
			usage_error(C, bench_usage, "%s: malformed list (an empty element)", opt);
		if (n == max)
			usage_error(C, bench_usage, "%s: too many elements (at most %d)", opt, max);
		items[n++] = tok;
		if (!comma)
			return n;
		tok = comma + 1;
	}
}

static void parse_workloads(struct bench_opts *o, const char *val)
{
	char *items[WL_NR + 1];
	int n = split_list("--workload", val, items, WL_NR + 1);

	memset(o->wl, 0, sizeof(o->wl));
	o->wl_set = true;
	for (int i = 0; i < n; i++) {
		int w;

		if (!strcmp(items[i], "all")) {
			for (w = 0; w < WL_NR; w++)
				o->wl[w] = true;
			continue;
		}
		for (w = 0; w < WL_NR && strcmp(items[i], bench_wls[w].name); w++)
			;
		if (w == WL_NR)
			usage_error(C, bench_usage, "--workload: unknown workload '%s'; accepted: "
				    "idle_cycle, context_switch1, exit, tlb_flush, all", items[i]);
		if (o->wl[w])
			usage_error(C, bench_usage, "--workload: '%s' listed twice", items[i]);
		o->wl[w] = true;
	}
	free(items[0]);
}

static void parse_modes(struct bench_opts *o, const char *val)
{
	char *items[MODE_NR + 1];
	int n = split_list("--mode", val, items, MODE_NR + 1);

	memset(o->mode, 0, sizeof(o->mode));
	for (int i = 0; i < n; i++) {
		if (!strcmp(items[i], "both")) {
			o->mode[MODE_THREADS] = o->mode[MODE_PROCESSES] = true;
		} else if (!strcmp(items[i], "threads") || !strcmp(items[i], "processes")) {
			int m = items[i][0] == 't' ? MODE_THREADS : MODE_PROCESSES;

			if (o->mode[m])
				usage_error(C, bench_usage, "--mode: '%s' listed twice", items[i]);
			o->mode[m] = true;
		} else {
			usage_error(C, bench_usage, "--mode: unknown mode '%s'; accepted: threads, "
				    "processes, both", items[i]);
		}
	}
	free(items[0]);
}

static void parse_schemes(struct bench_opts *o, const char *val)
{
	char *items[8];
	int n = split_list("--schemes", val, items, 8);

	o->nr_schemes = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(items[i], "all")) {
			for (int k = 0; lazy_schemes[k] && o->nr_schemes < 8; k++)
				o->schemes[o->nr_schemes++] = lazy_schemes[k];
			continue;
		}
		const struct lazy_tlb_ops *ops = parse_scheme(C, bench_usage, items[i]);

		for (int k = 0; k < o->nr_schemes; k++)
			if (o->schemes[k] == ops)
				usage_error(C, bench_usage, "--schemes: '%s' listed twice", items[i]);
		if (o->nr_schemes == 8)
			usage_error(C, bench_usage, "--schemes: too many");
		o->schemes[o->nr_schemes++] = ops;
	}
	free(items[0]);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void parse_tasks(struct bench_opts *o, const char *val)
{
	char *items[BENCH_MAX_TASKS];
	int n = split_list("--tasks", val, items, BENCH_MAX_TASKS);

	for (int i = 0; i < n; i++)
		o->tasks[i] = (int)parse_u64(C, bench_usage, "--tasks", items[i], 0, BENCH_TASKS_LIMIT);
	free(items[0]);
	qsort(o->tasks, (size_t)n, sizeof(int), cmp_int);
	for (int i = 1; i < n; i++)
		if (o->tasks[i] == o->tasks[i - 1])
			usage_error(C, bench_usage, "--tasks: %d listed twice", o->tasks[i]);
	o->nr_tasks = n;
}

static void parse_switch_work(struct bench_opts *o, const char *val)
{
	if (!strcmp(val, "auto")) {
		o->switch_auto = true;
		return;
	}
	o->switch_auto = false;
	o->switch_work = parse_u64(C, bench_usage, "--switch-work", val, 0, 1000000);
}

static bool parse_yes_no(const char *opt, const char *val)
{
	if (!strcmp(val, "yes"))
		return true;
	if (!strcmp(val, "no"))
		return false;
	usage_error(C, bench_usage, "%s: '%s' is not accepted; accepted: yes, no", opt, val);
}

/* One option (and its value); returns false if it is not an option. */
static bool parse_one(struct bench_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
#define VAL() opt_value(C, bench_usage, argc, argv, i)
	if (!strcmp(a, "--workload") || !strcmp(a, "--workloads"))
		parse_workloads(o, VAL());
	else if (!strcmp(a, "--mode"))
		parse_modes(o, VAL());
	else if (!strcmp(a, "--schemes") || !strcmp(a, "--scheme"))
		parse_schemes(o, VAL());
	else if (!strcmp(a, "--tasks") || !strcmp(a, "-t"))
		parse_tasks(o, VAL());
	else if (!strcmp(a, "--seconds") || !strcmp(a, "-s"))
		o->seconds = parse_double(C, bench_usage, a, VAL(), 0.01, 3600), o->set_seconds = true;
	else if (!strcmp(a, "--rounds"))
		o->rounds = (int)parse_u64(C, bench_usage, a, VAL(), 1, BENCH_MAX_ROUNDS), o->set_rounds = true;
	else if (!strcmp(a, "--warmup"))
		o->warmup = parse_double(C, bench_usage, a, VAL(), 0, 60), o->set_warmup = true;
	else if (!strcmp(a, "--seed"))
		o->seed = parse_u64(C, bench_usage, a, VAL(), 0, UINT64_MAX);
	else if (!strcmp(a, "--switch-work"))
		parse_switch_work(o, VAL());
	else if (!strcmp(a, "--delay"))
		o->delay_ns = parse_u64(C, bench_usage, a, VAL(), 0, 1000000000);
	else if (!strcmp(a, "--cpus"))
		o->cpus = (int)parse_u64(C, bench_usage, a, VAL(), 1, NR_CPUS_MAX);
	else if (!strcmp(a, "--exit-map"))
		o->exit_map = parse_yes_no(a, VAL());
	else if (!strcmp(a, "--out"))
		o->out = VAL();
	else if (!strcmp(a, "--plot"))
		o->plot = VAL();
	else if (!strcmp(a, "--mutant"))
		o->mutant = VAL();
	else
		return false;
#undef VAL
	return true;
}

/* --mutant must name a mutant of at least one selected scheme. */
static void check_mutant(const struct bench_opts *o)
{
	for (int s = 0; s < o->nr_schemes; s++)
		if (lazy_find_mutant(o->schemes[s], o->mutant))
			return;
	usage_error(C, bench_usage, "--mutant: no selected scheme has a mutant '%s' "
		    "('lazymm mutants' lists them)", o->mutant);
}

static void parse_args(struct bench_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			bench_usage(stdout);
			exit(EXIT_OK);
		} else if (!strcmp(a, "--csv") || !strcmp(a, "--json")) {
			enum out_fmt f = a[2] == 'c' ? FMT_CSV : FMT_JSON;

			if (o->fmt != FMT_TABLE && o->fmt != f)
				usage_error(C, bench_usage, "--csv and --json exclude each other");
			o->fmt = f;
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
		} else if (!strcmp(a, "--no-plot")) {
			o->no_plot = true;
		} else if (!parse_one(o, argc, argv, &i)) {
			usage_error(C, bench_usage, "unknown option '%s'", a);
		}
	}
	if (!o->set_seconds)
		o->seconds = o->quick ? QUICK_SECONDS : DEF_SECONDS;
	if (!o->set_rounds)
		o->rounds = o->quick ? QUICK_ROUNDS : DEF_ROUNDS;
	if (!o->set_warmup)
		o->warmup = o->quick ? QUICK_WARMUP : DEF_WARMUP;
	if (o->mutant)
		check_mutant(o);
	if (o->plot && !strchr(o->plot, '.'))
		usage_error(C, bench_usage, "--plot: '%s' needs a file name such as speedup.png", o->plot);
}

static void default_opts(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int w = 0; w < WL_NR; w++)
		o->wl[w] = bench_wls[w].in_default;
	o->mode[MODE_THREADS] = o->mode[MODE_PROCESSES] = true;
	for (int k = 0; lazy_schemes[k] && k < 8; k++)
		o->schemes[o->nr_schemes++] = lazy_schemes[k];
	o->seed = 1;
	o->switch_auto = true;
	o->exit_map = true;
	o->cpus = lm_host_cpus();
	if (o->cpus > NR_CPUS_MAX)
		o->cpus = NR_CPUS_MAX;
	if (o->cpus < 1)
		o->cpus = 1;
	o->progress = isatty(STDERR_FILENO);
}

/* ---- the plan ---- */

static int busy_cpus(enum bench_wl w, int tasks)
{
	return bench_wls[w].cpus_per_task * tasks + bench_wls[w].cpus_extra;
}

/* Default task counts: every CPU busy at the top, then one oversubscribed
 * point (exit: K lazy CPUs need CPUs of their own; no oversubscription). */
static int default_tasks(enum bench_wl w, int cpus, int *out)
{
	const struct bench_wl_desc *d = &bench_wls[w];
	int n = 0, t = d->tasks_min;

	for (; t <= BENCH_TASKS_LIMIT && n < BENCH_MAX_TASKS - 1 && busy_cpus(w, t) <= cpus; t++)
		out[n++] = t;
	if (!d->teardown || n == 0)
		out[n++] = t;
	return n;
}

static void check_tasks(const struct bench_opts *o)
{
	for (int w = 0; w < WL_NR; w++)
		for (int i = 0; o->wl[w] && i < o->nr_tasks; i++)
			if (o->tasks[i] < bench_wls[w].tasks_min)
				usage_error(C, bench_usage, "--tasks: %s needs at least %d task(s), got %d",
					    bench_wls[w].name, bench_wls[w].tasks_min, o->tasks[i]);
}

static void add_cells(struct bench_results *r, const struct bench_opts *o, int w, int m)
{
	int tasks[BENCH_MAX_TASKS], nt;

	nt = o->nr_tasks ? o->nr_tasks : default_tasks(w, o->cpus, tasks);
	if (o->nr_tasks)
		memcpy(tasks, o->tasks, sizeof(int) * (size_t)nt);
	for (int t = 0; t < nt; t++)
		for (int s = 0; s < o->nr_schemes; s++) {
			struct bench_cell *c = &r->cells[r->nr_cells++];

			memset(c, 0, sizeof(*c));
			c->wl = w;
			c->mode = m;
			c->tasks = tasks[t];
			c->busy = busy_cpus(w, tasks[t]);
			c->oversub = c->busy > o->cpus || o->cpus > r->meta.host_cores;
			c->ops = o->schemes[s];
			c->speedup = c->fraction = NAN;
			for (int k = 0; k < BENCH_MAX_ROUNDS; k++)
				c->by_round[k] = NAN;
		}
}

static void plan(struct bench_results *r, const struct bench_opts *o)
{
	r->cells = calloc((size_t)WL_NR * MODE_NR * BENCH_MAX_TASKS * (size_t)o->nr_schemes,
			  sizeof(*r->cells));
	if (!r->cells) {
		fprintf(stderr, "lazymm bench: out of memory\n");
		exit(EXIT_ERROR);
	}
	for (int s = 0; s < o->nr_schemes; s++)
		r->schemes[r->nr_schemes++] = o->schemes[s];
	for (int w = 0; w < WL_NR; w++)
		for (int m = 0; o->wl[w] && m < MODE_NR; m++)
			if (o->mode[m])
				add_cells(r, o, w, m);
}

/* ---- running ---- */

struct progress {
	int done, total;
	bool on;
};

static void show_progress(struct progress *pg, const struct bench_cell *c, int round, int rounds)
{
	if (!pg->on)
		return;
	fprintf(stderr, "\r\033[K[%3d/%d] %s --mode %s, tasks %d, round %d/%d: %s",
		pg->done + 1, pg->total, bench_wls[c->wl].name, bench_mode_names[c->mode],
		c->tasks, round + 1, rounds, c->ops->name);
}

static void params_for(struct bench_params *p, const struct bench_cell *c,
		       const struct bench_opts *o, uint64_t switch_work, int round)
{
	memset(p, 0, sizeof(*p));
	p->wl = c->wl;
	p->mode = c->mode;
	p->tasks = c->tasks;
	p->ops = c->ops;
	p->mutant = o->mutant && lazy_find_mutant(c->ops, o->mutant) ? o->mutant : NULL;
	p->cpus = o->cpus;
	p->warmup = o->warmup;
	p->seconds = o->seconds;
	p->seed = o->seed + (uint64_t)round;
	p->switch_work_ns = switch_work;
	p->delay_ns = o->delay_ns;
	p->exit_map = o->exit_map;
}

static void add_sample(struct bench_cell *c, const struct bench_sample *s, int round)
{
	for (int k = 0; k < BENCH_NCNT; k++)
		c->sum.cnt[k] += s->cnt[k];
	c->sum.secs += s->secs;
	c->sum.ops += s->ops;
	c->sum.td_count += s->td_count;
	c->sum.td_sum_ns += s->td_sum_ns;
	if (s->td_max_ns > c->sum.td_max_ns)
		c->sum.td_max_ns = s->td_max_ns;
	c->sum.violations += s->violations;
	c->sum.hung |= s->hung;
	if (lazy_safe(c->ops) && (s->violations || s->hung))
		c->unsafe = true;         /* a fast unsafe result is not a result */
	if (s->secs > 0 && !s->hung) {
		c->share[c->n] = s->avail;
		c->ops_per_sec[c->n++] = (double)s->ops / s->secs;
		c->by_round[round] = (double)s->ops / s->secs;
	} else {
		c->failed = true;
	}
}

static bool machine_error;        /* a sample's machine could not be set up */
static int retries_left;          /* bounded re-runs of starved samples */
static bool retry_low_share;      /* also re-run samples with a low host share */

/* A sample taken while the host gave a simulated CPU less than this share
 * of its core (other processes) is re-run, within retries_left: one per
 * twenty planned samples.  --quick re-runs only samples lost to a host
 * stall (at most 3), so that its time stays bounded. */
#define STARVED_SHARE 0.5

static bool starved(const struct bench_sample *s)
{
	return !s->violations && !s->hung && (s->secs <= 0 || s->avail < STARVED_SHARE);
}

/* The only violation is a bounded wait that ran out, while the host gave
 * some simulated CPU less than half of its core: that is the host's doing
 * (a vCPU stolen for seconds), not the scheme's.  With its CPUs running,
 * a hang stays a failure. */
static bool host_hang(const struct bench_sample *s)
{
	return s->hung && s->violations == s->hangs && s->run_share < STARVED_SHARE;
}

static bool report_unsafe(const struct bench_cell *c, const struct bench_sample *s,
			  const struct bench_opts *o)
{
	if (!lazy_safe(c->ops) || (!s->violations && !s->hung))
		return true;
	fprintf(stderr, "%slazymm bench: %s, --mode %s, tasks %d: scheme %s reported %llu "
		"violation(s)%s: no result, the run fails\n", o->progress ? "\n" : "",
		bench_wls[c->wl].name, bench_mode_names[c->mode], c->tasks, c->ops->name,
		(unsigned long long)s->violations, s->hung ? " (hung)" : "");
	return false;
}

/* One sample of one cell; returns false if a safe scheme misbehaved. */
static bool run_cell_once(struct bench_cell *c, const struct bench_opts *o,
			  uint64_t switch_work, int round)
{
	struct bench_params p;
	struct bench_sample s;

	params_for(&p, c, o, switch_work, round);
	for (;;) {
		if (bench_run_sample(&p, &s) != 0) {
			c->failed = true;
			machine_error = true;
			return true;
		}
		if (getenv("LAZYMM_BENCH_DEBUG"))
			fprintf(stderr, "sample %s %s %d %s: %.0f ops/s, host share %.3f (run %.3f)\n",
				bench_wls[c->wl].name, bench_mode_names[c->mode], c->tasks,
				c->ops->name, s.secs > 0 ? (double)s.ops / s.secs : 0, s.avail,
				s.run_share);
		if (host_hang(&s)) {
			fprintf(stderr, "%slazymm bench: %s, --mode %s, tasks %d, %s: the host starved "
				"the simulated CPUs (%.0f%% of a core) until a bounded wait ran out: "
				"sample %s\n", o->progress ? "\n" : "", bench_wls[c->wl].name,
				bench_mode_names[c->mode], c->tasks, c->ops->name, 100 * s.run_share,
				retries_left > 0 ? "re-run" : "dropped");
			c->starved++;
			if (retries_left-- > 0)
				continue;
			c->failed = true;
			return true;
		}
		if (!retry_low_share || !starved(&s) || retries_left <= 0)
			break;
		retries_left--;
		c->retries++;
	}
	add_sample(c, &s, round);
	return report_unsafe(c, &s, o);
}

/* Rounds over the schemes of one (workload, mode, tasks) group. */
static bool run_group(struct bench_cell *g, int nr, const struct bench_opts *o,
		      uint64_t switch_work, struct progress *pg)
{
	bool ok = true;

	for (int r = 0; r < o->rounds; r++)
		for (int s = 0; s < nr; s++, pg->done++) {
			show_progress(pg, &g[s], r, o->rounds);
			ok &= run_cell_once(&g[s], o, switch_work, r);
		}
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), which it sorts; NAN if n == 0. */
static double median_of(double *v, int n)
{
	if (!n)
		return NAN;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void summarize_cell(struct bench_cell *c)
{
	double v[BENCH_MAX_ROUNDS];

	c->share_min = c->n ? 1 : NAN;
	for (int i = 0; i < c->n; i++)
		if (c->share[i] < c->share_min)
			c->share_min = c->share[i];
	if (!c->n || c->unsafe) {
		c->median = c->min = c->max = NAN;
		return;
	}
	memcpy(v, c->ops_per_sec, sizeof(double) * (size_t)c->n);
	c->median = median_of(v, c->n);
	c->min = v[0];
	c->max = v[c->n - 1];
}

/*
 * c against ref: the median over rounds of the ratio of their samples in
 * the same round.  The schemes of a round ran one after the other, so a
 * drift of the machine between rounds cancels out of each ratio; that is
 * what the interleaving is for.
 */
static double paired_ratio(const struct bench_cell *c, const struct bench_cell *ref)
{
	double v[BENCH_MAX_ROUNDS];
	int n = 0;

	if (!ref || ref->unsafe || c->unsafe)
		return NAN;
	for (int r = 0; r < BENCH_MAX_ROUNDS; r++)
		if (!isnan(c->by_round[r]) && ref->by_round[r] > 0)
			v[n++] = c->by_round[r] / ref->by_round[r];
	return median_of(v, n);
}

static const struct bench_cell *find_ref(const struct bench_cell *g, int nr, enum lazy_role role)
{
	for (int s = 0; s < nr; s++)
		if (g[s].ops->role == role)
			return &g[s];
	return NULL;
}

static void summarize(struct bench_results *r)
{
	int nr = r->nr_schemes;

	for (int i = 0; i < r->nr_cells; i++)
		summarize_cell(&r->cells[i]);
	for (int i = 0; i < r->nr_cells; i += nr) {
		const struct bench_cell *ref = find_ref(&r->cells[i], nr, LAZY_BASELINE);
		const struct bench_cell *lim = find_ref(&r->cells[i], nr, LAZY_LIMIT);

		for (int s = 0; s < nr; s++) {
			struct bench_cell *c = &r->cells[i + s];

			c->speedup = paired_ratio(c, ref);
			c->fraction = paired_ratio(c, lim);
		}
	}
}

static uint64_t choose_switch_work(const struct bench_opts *o, struct bench_meta *m)
{
	double spread = 0;

	m->calibrated = o->switch_auto;
	if (!o->switch_auto)
		return o->switch_work;
	if (o->progress)
		fprintf(stderr, "calibrating: a real pipe ping-pong on one CPU ...");
	m->real_switch_ns = bench_calibrate_switch(o->quick ? 3 : 9, &spread);
	if (o->progress)
		fprintf(stderr, " %llu ns per switch\n", (unsigned long long)m->real_switch_ns);
	if (!m->real_switch_ns)
		fprintf(stderr, "lazymm bench: could not measure a real context switch; "
			"using --switch-work 0\n");
	return m->real_switch_ns;
}

static void fill_meta(struct bench_meta *m, const struct bench_opts *o)
{
	bench_fill_meta(m);
	bench_read_loadavg(m->load_start, sizeof(m->load_start));
	m->cpus = o->cpus;
	m->pinned_ok = o->cpus <= m->host_cores;
	m->seed = o->seed;
	m->seconds = o->seconds;
	m->warmup = o->warmup;
	m->rounds = o->rounds;
	m->delay_ns = o->delay_ns;
	m->exit_map = o->exit_map;
	m->quick = o->quick;
	m->mutant = o->mutant;
}

/* ---- output files ---- */

static int write_file(const char *path, const struct bench_results *r,
		      void (*fn)(FILE *, const struct bench_results *))
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "lazymm bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fn(f, r);
	if (fclose(f) != 0) {
		fprintf(stderr, "lazymm bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* mkdir of PREFIX's folder if it is missing (one level, like results/). */
static void make_parent(const char *prefix)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", prefix);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		fprintf(stderr, "lazymm bench: cannot create %s: %s\n", dir, strerror(errno));
}

static int write_outputs(const struct bench_opts *o, const struct bench_results *r, bool gnuplot)
{
	char path[4200];
	int rc = EXIT_OK;

	if (o->out) {
		static const char *const ext[3] = { "txt", "csv", "json" };
		void (*const fn[3])(FILE *, const struct bench_results *) = {
			bench_print_table, bench_print_csv, bench_print_json };

		make_parent(o->out);
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s.%s", o->out, ext[i]);
			if (write_file(path, r, fn[i]) != 0)
				rc = EXIT_ERROR;
		}
		snprintf(path, sizeof(path), "%s.png", o->out);
		if (!o->no_plot && (!gnuplot || bench_plot(path, r) != 0))
			rc = EXIT_ERROR;
	}
	if (o->plot && (!gnuplot || bench_plot(o->plot, r) != 0))
		rc = EXIT_ERROR;
	return rc;
}

static void print_stdout(const struct bench_opts *o, const struct bench_results *r)
{
	if (o->fmt == FMT_CSV)
		bench_print_csv(stdout, r);
	else if (o->fmt == FMT_JSON)
		bench_print_json(stdout, r);
	else
		bench_print_table(stdout, r);
	fflush(stdout);
}

static void note_missing_refs(const struct bench_opts *o)
{
	bool ref = false, lim = false;

	for (int s = 0; s < o->nr_schemes; s++) {
		ref |= o->schemes[s]->role == LAZY_BASELINE;
		lim |= o->schemes[s]->role == LAZY_LIMIT;
	}
	if (!ref)
		fprintf(stderr, "lazymm bench: note: %s is not measured, so the speedup "
			"column stays empty\n", lazy_role_scheme(LAZY_BASELINE));
	if (!lim)
		fprintf(stderr, "lazymm bench: note: %s is not measured, so the fraction-of-none "
			"column stays empty\n", lazy_role_scheme(LAZY_LIMIT));
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_results r;
	struct progress pg = { 0, 0, false };
	uint64_t switch_work, t0 = lm_now_ns();
	bool ok = true, want_png, gnuplot = true;
	int rc;

	default_opts(&o);
	parse_args(&o, argc, argv);
	check_tasks(&o);
	memset(&r, 0, sizeof(r));
	fill_meta(&r.meta, &o);
	plan(&r, &o);
	note_missing_refs(&o);
	want_png = o.plot || (o.out && !o.no_plot);
	if (want_png && !(gnuplot = bench_have_gnuplot()))
		fprintf(stderr, "lazymm bench: gnuplot is not installed (Debian: apt-get install "
			"gnuplot-nox): no figure will be drawn; the run goes on and exits 3\n");
	switch_work = choose_switch_work(&o, &r.meta);
	r.meta.switch_work_ns = switch_work;
	pg.total = r.nr_cells * o.rounds;
	retries_left = o.quick ? 3 : pg.total / 20 + 1;
	retry_low_share = !o.quick;
	pg.on = o.progress;
	for (int i = 0; i < r.nr_cells; i += o.nr_schemes)
		ok &= run_group(&r.cells[i], o.nr_schemes, &o, switch_work, &pg);
	if (pg.on)
		fprintf(stderr, "\r\033[K");
	r.meta.elapsed = (double)(lm_now_ns() - t0) / 1e9;
	bench_read_loadavg(r.meta.load_end, sizeof(r.meta.load_end));
	summarize(&r);
	print_stdout(&o, &r);
	rc = write_outputs(&o, &r, gnuplot);
	free(r.cells);
	if (!ok)
		return EXIT_VIOLATION;
	return machine_error ? EXIT_ERROR : rc;
}
