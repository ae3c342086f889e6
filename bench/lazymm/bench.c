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

/* ---- running ---- */

/* The run's state, passed down (no file-scope state). */
struct bench_state {
	const struct bench_opts *o;
	uint64_t switch_work;
	int done, total;             /* progress */
	bool progress;
	bool machine_error;          /* a sample's machine could not be set up */
	int retries_left;            /* bounded re-runs of starved samples */
	bool retry_low_share;        /* also re-run samples with a low host share */
};

static void show_progress(const struct bench_state *pg, const struct bench_cell *c, int round, int rounds)
{
	if (!pg->progress)
		return;
	fprintf(stderr, "\r\033[K[%3d/%d] %s --mode %s, tasks %d, round %d/%d: %s",
		pg->done + 1, pg->total, bench_wls[c->wl].name, bench_mode_names[c->mode],
		c->tasks, round + 1, rounds, c->ops->name);
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

/* A sample taken while the host gave a simulated CPU less than this share
 * of its core (other processes) is re-run, within st->retries_left: one per
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
static bool run_cell_once(struct bench_cell *c, struct bench_state *st, int round)
{
	const struct bench_opts *o = st->o;
	struct bench_params p;
	struct bench_sample s;

	bench_params_for(&p, c, o, st->switch_work, round);
	for (;;) {
		if (bench_run_sample(&p, &s) != 0) {
			c->failed = true;
			st->machine_error = true;
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
				st->retries_left > 0 ? "re-run" : "dropped");
			c->starved++;
			if (st->retries_left-- > 0)
				continue;
			c->failed = true;
			return true;
		}
		if (!st->retry_low_share || !starved(&s) || st->retries_left <= 0)
			break;
		st->retries_left--;
		c->retries++;
	}
	add_sample(c, &s, round);
	return report_unsafe(c, &s, o);
}

/* Rounds over the schemes of one (workload, mode, tasks) group. */
static bool run_group(struct bench_cell *g, int nr, struct bench_state *st)
{
	bool ok = true;

	for (int r = 0; r < st->o->rounds; r++)
		for (int s = 0; s < nr; s++, st->done++) {
			show_progress(st, &g[s], r, st->o->rounds);
			ok &= run_cell_once(&g[s], st, r);
		}
	return ok;
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
	bc_read_loadavg(m->load_start, sizeof(m->load_start));
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

static int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_results r;
	struct bench_state st;
	uint64_t t0 = lm_now_ns();
	bool ok = true, want_png, gnuplot = true;
	int rc;

	bench_parse_args(&o, argc, argv);
	memset(&r, 0, sizeof(r));
	fill_meta(&r.meta, &o);
	bench_plan(&r, &o);
	note_missing_refs(&o);
	want_png = o.plot || (o.out && !o.no_plot);
	if (want_png && !(gnuplot = bench_have_gnuplot()))
		fprintf(stderr, "lazymm bench: gnuplot is not installed (Debian: apt-get install "
			"gnuplot-nox): no figure will be drawn; the run goes on and exits 3\n");
	memset(&st, 0, sizeof(st));
	st.o = &o;
	st.switch_work = choose_switch_work(&o, &r.meta);
	r.meta.switch_work_ns = st.switch_work;
	st.total = r.nr_cells * o.rounds;
	st.retries_left = o.quick ? 3 : st.total / 20 + 1;
	st.retry_low_share = !o.quick;
	st.progress = o.progress;
	for (int i = 0; i < r.nr_cells; i += o.nr_schemes)
		ok &= run_group(&r.cells[i], o.nr_schemes, &st);
	if (st.progress)
		fprintf(stderr, "\r\033[K");
	r.meta.elapsed = (double)(lm_now_ns() - t0) / 1e9;
	bc_read_loadavg(r.meta.load_end, sizeof(r.meta.load_end));
	bench_summarize(&r);
	print_stdout(&o, &r);
	rc = write_outputs(&o, &r, gnuplot);
	free(r.cells);
	if (!ok)
		return EXIT_VIOLATION;
	return st.machine_error ? EXIT_ERROR : rc;
}

const struct cli_cmd cli_bench = {
	"bench", "the RFC's experiment for every scheme, side by side", cmd_bench, bench_usage,
};
