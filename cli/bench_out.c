/*
 * bench_out.c - what `lazymm bench` prints: the table in the RFC's shape
 * (tasks; operations/s per scheme; speedup over refcount; fraction of
 * none), the per-switch and per-teardown counters, the run metadata; the
 * same results as CSV and JSON; and the figure, drawn by gnuplot.
 *
 * Cells are stored group by group: for each (workload, mode, tasks) one
 * cell per scheme, in the order of r->schemes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

uint64_t bench_switches(const struct bench_sample *s)
{
	return s->cnt[CNT_CS_USER_USER] + s->cnt[CNT_CS_USER_KERNEL] +
	       s->cnt[CNT_CS_KERNEL_USER] + s->cnt[CNT_CS_KERNEL_KERNEL];
}

uint64_t bench_shared_rmw(const struct bench_sample *s)
{
	return s->cnt[CNT_RMW_MM_COUNT] + s->cnt[CNT_RMW_CPUMASK] + s->cnt[CNT_RMW_TLB_GEN];
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

/* counter k per counted operation, over all samples */
double bench_per_op(const struct bench_cell *c, int k)
{
	return ratio((double)c->sum.cnt[k], (double)c->sum.ops);
}

static double per_switch(const struct bench_cell *c, uint64_t v)
{
	return ratio((double)v, (double)bench_switches(&c->sum));
}

static double per_teardown(const struct bench_cell *c, uint64_t v)
{
	return ratio((double)v, (double)c->sum.cnt[BCNT_TEARDOWNS]);
}

/* Mean teardown latency: the model's own sum and count, read together. */
static double teardown_mean_us(const struct bench_cell *c)
{
	return ratio((double)c->sum.td_sum_ns, (double)c->sum.td_count) / 1e3;
}

/* ---- the table ---- */

/* "median [min-max]" with 4 significant digits and one k/M suffix. */
static void fmt_rate(char *buf, size_t len, const struct bench_cell *c)
{
	double d = c->median >= 1e6 ? 1e6 : c->median >= 1e3 ? 1e3 : 1;
	const char *suffix = d == 1e6 ? "M" : d == 1e3 ? "k" : "";

	snprintf(buf, len, "%.4g%s [%.4g-%.4g]", c->median / d, suffix, c->min / d, c->max / d);
}

static void print_meta(FILE *f, const struct bench_meta *m)
{
	fprintf(f, "\n== run\n");
	fprintf(f, "machine:     %s; %d core(s); %s; %s\n", m->cpu_model, m->host_cores,
		m->kernel, m->compiler);
	fprintf(f, "simulated:   %d CPU(s), %s; IPIs by signal; checkers on, chaos off; seed %llu\n",
		m->cpus, m->pinned_ok ? "each pinned to its own host core" :
		"MORE than the host's cores: not pinned, every row oversubscribed",
		(unsigned long long)m->seed);
	if (m->calibrated)
		fprintf(f, "calibration: --switch-work auto: a real context switch here costs %llu ns "
			"(pipe ping-pong of two threads on one CPU, fastest batch); each simulated "
			"switch spins that long\n", (unsigned long long)m->real_switch_ns);
	else
		fprintf(f, "calibration: --switch-work %llu ns per simulated switch%s\n",
			(unsigned long long)m->switch_work_ns,
			m->switch_work_ns ? "" : " (the raw model: differences are inflated)");
	fprintf(f, "method:      per point the schemes are interleaved in %d round(s); each sample "
		"is %.2f s of warm-up then %.2f s counted on a fresh machine; median [min-max]\n",
		m->rounds, m->warmup, m->seconds);
	fprintf(f, "workloads:   timer delay %llu ns; exit: the dying mm %s\n",
		(unsigned long long)m->delay_ns, m->exit_map ? "maps memory (its exit_mmap() "
		"flush evicts lazy CPUs first)" : "maps nothing (no exit flush)");
	if (m->mutant)
		fprintf(f, "MUTANT:      %s (a deliberately broken variant: not a measurement)\n", m->mutant);
	fprintf(f, "load:        %s at start, %s at end (1/5/15 min); run took %.0f s\n",
		m->load_start, m->load_end, m->elapsed);
}

static void print_header(FILE *f, const struct bench_results *r, const char *first, int w)
{
	fprintf(f, "  %-6s", first);
	for (int s = 0; s < r->nr_schemes; s++)
		fprintf(f, " %*s", w, r->schemes[s]->name);
	fprintf(f, "\n");
}

static void print_rates(FILE *f, const struct bench_results *r, const struct bench_cell *g, int ng)
{
	int nr = r->nr_schemes;

	print_header(f, r, "tasks", 22);
	for (int i = 0; i < ng; i += nr) {
		fprintf(f, "  %5d%c", g[i].tasks, g[i].oversub ? '*' : ' ');
		for (int s = 0; s < nr; s++) {
			const struct bench_cell *c = &g[i + s];
			char cell[96];

			if (!c->n)
				snprintf(cell, sizeof(cell), "%s", c->failed ? "FAILED" : "-");
			else
				fmt_rate(cell, sizeof(cell), c);
			if (c->unsafe)
				snprintf(cell, sizeof(cell), "UNSAFE (%llu viol.)",
					 (unsigned long long)c->sum.violations);
			fprintf(f, " %22s", cell);
		}
		fprintf(f, "\n");
	}
}

static void print_ratios(FILE *f, const struct bench_results *r, const struct bench_cell *g, int ng)
{
	int nr = r->nr_schemes;

	fprintf(f, "  speedup over refcount%*s| fraction of none (the limit)   "
		"[medians of same-round ratios]\n", 9 * nr - 14, "");
	fprintf(f, "  %-6s", "tasks");
	for (int k = 0; k < 2; k++) {
		for (int s = 0; s < nr; s++)
			fprintf(f, " %9s", r->schemes[s]->name);
		fprintf(f, k ? "\n" : " |");
	}
	for (int i = 0; i < ng; i += nr) {
		fprintf(f, "  %5d%c", g[i].tasks, g[i].oversub ? '*' : ' ');
		for (int k = 0; k < 2; k++) {
			for (int s = 0; s < nr; s++) {
				double v = k ? g[i + s].fraction : g[i + s].speedup;

				if (isnan(v))
					fprintf(f, " %9s", "-");
				else
					fprintf(f, " %9.3f", v);
			}
			fprintf(f, k ? "\n" : " |");
		}
	}
}

static void print_switch_costs(FILE *f, const struct bench_results *r, const struct bench_cell *g, int ng)
{
	(void)r;
	fprintf(f, "  per context switch (all samples):\n");
	fprintf(f, "  %-6s %-10s %11s %11s %8s %10s %10s %10s %6s\n", "tasks", "scheme", "switches/op",
		"shared RMW", "fences", "CR3 writes", "IPIs sent", "lazy evict", "host%");
	for (int i = 0; i < ng; i++) {
		const struct bench_cell *c = &g[i];

		fprintf(f, "  %5d%c %-10s %11.3f %11.3f %8.3f %10.3f %10.4f %10.4f %6.0f\n", c->tasks,
			c->oversub ? '*' : ' ', c->ops->name,
			ratio((double)bench_switches(&c->sum), (double)c->sum.ops),
			per_switch(c, bench_shared_rmw(&c->sum)), per_switch(c, c->sum.cnt[CNT_FENCE]),
			per_switch(c, c->sum.cnt[CNT_CR3_WRITE]), per_switch(c, c->sum.cnt[CNT_IPI_SENT]),
			per_switch(c, c->sum.cnt[CNT_LAZY_EVICT]), 100 * c->share_min);
	}
}

/* Teardown IPIs per teardown that went beyond the CPUs still holding the
 * dying mm (never negative: a holder may leave before its IPI). */
static double beyond_holders(const struct bench_cell *c)
{
	double v = per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]) -
		   per_teardown(c, c->sum.cnt[BCNT_HOLDERS]);

	return v < 0 ? 0 : v;
}

static void print_teardown_costs(FILE *f, const struct bench_cell *g, int ng)
{
	fprintf(f, "  per teardown (all samples; K = CPUs left lazy when the last user exits):\n");
	fprintf(f, "  %-6s %-10s %9s %8s %8s %8s %8s %8s %8s %8s %8s %6s\n", "K", "scheme", "teardowns",
		"mean us", "max us", "holders", "td IPIs", "to idle", "no-op", "flushIPI", "slots",
		"host%");
	for (int i = 0; i < ng; i++) {
		const struct bench_cell *c = &g[i];

		fprintf(f, "  %5d%c %-10s %9llu %8.2f %8.0f %8.3f %8.3f %8.3f %8.3f %8.3f %8.2f %6.0f\n",
			c->tasks, c->oversub ? '*' : ' ', c->ops->name,
			(unsigned long long)c->sum.cnt[BCNT_TEARDOWNS],
			teardown_mean_us(c), (double)c->sum.td_max_ns / 1e3,
			per_teardown(c, c->sum.cnt[BCNT_HOLDERS]),
			per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]), beyond_holders(c),
			per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]),
			per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]),
			per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]), 100 * c->share_min);
	}
	fprintf(f, "  holders: other CPUs with the dying mm still loaded when the cleanup began; "
		"td IPIs: sent by the cleanup;\n  to idle: td IPIs beyond the holders (to CPUs that no "
		"longer hold the mm); no-op: IPIs whose handler\n  found nothing to do (CNT_IPI_WASTED); "
		"flushIPI: exit_mmap()'s flush IPIs; slots: slots or CPUs scanned\n");
}

static void print_notes(FILE *f, const struct bench_cell *g, int ng, const struct bench_meta *m)
{
	bool over = false;
	double share = 1;

	for (int i = 0; i < ng; i++) {
		const struct bench_cell *c = &g[i];

		over |= c->oversub;
		if (c->share_min < share)
			share = c->share_min;
		if (!lazy_safe(c->ops) && c->sum.violations)
			fprintf(f, "  note: %s, tasks %d: %llu violation(s) -- unsafe by design, "
				"counted, not held against the run\n", c->ops->name, c->tasks,
				(unsigned long long)c->sum.violations);
	}
	if (over)
		fprintf(f, "  * oversubscribed: more busy CPUs than the %d simulated CPUs (or host "
			"cores): not a scaling point\n", m->cpus);
	if (share < 0.9)
		fprintf(f, "  note: other processes took up to %.0f%% of a simulated CPU's core during "
			"some samples (host%%): those comparisons are unreliable\n", 100 * (1 - share));
}

static void print_group(FILE *f, const struct bench_results *r, const struct bench_cell *g, int ng)
{
	const struct bench_wl_desc *d = &bench_wls[g->wl];

	fprintf(f, "\n== %s --mode %s: %s; %s\n", d->name, bench_mode_names[g->mode], d->desc,
		d->mode_desc[g->mode]);
	fprintf(f, "  %s per second, median [min-max] of %d sample(s)\n", d->op, r->meta.rounds);
	print_rates(f, r, g, ng);
	print_ratios(f, r, g, ng);
	if (d->teardown)
		print_teardown_costs(f, g, ng);
	else
		print_switch_costs(f, r, g, ng);
	print_notes(f, g, ng, &r->meta);
}

/* Cells of one (workload, mode): returns how many follow from i. */
static int group_len(const struct bench_results *r, int i)
{
	int n = 0;

	while (i + n < r->nr_cells && r->cells[i + n].wl == r->cells[i].wl &&
	       r->cells[i + n].mode == r->cells[i].mode)
		n++;
	return n;
}

void bench_print_table(FILE *f, const struct bench_results *r)
{
	const struct bench_meta *m = &r->meta;

	fprintf(f, "lazymm bench, %s: %d simulated CPUs, %llu ns of work per switch (%s)%s\n",
		m->date, m->cpus, (unsigned long long)m->switch_work_ns,
		m->calibrated ? "calibrated" : m->switch_work_ns ? "fixed" : "raw model",
		m->quick ? "; --quick: a smoke run, not a measurement" : "");
	for (int i = 0, n; i < r->nr_cells; i += n) {
		n = group_len(r, i);
		print_group(f, r, &r->cells[i], n);
	}
	print_meta(f, m);
}

/* ---- CSV ---- */

static void csv_num(FILE *f, double v, const char *fmt)
{
	fputc(',', f);
	if (!isnan(v))
		fprintf(f, fmt, v);
}

void bench_print_csv(FILE *f, const struct bench_results *r)
{
	fprintf(f, "workload,mode,tasks,scheme,ops_per_sec,speedup_vs_refcount,fraction_of_none,"
		"oversubscribed,ops_min,ops_max,samples,busy_cpus,cpus,switch_work_ns,"
		"switches_per_op,shared_rmw_per_switch,fences_per_switch,cr3_writes_per_switch,"
		"ipis_per_switch,teardowns,teardown_mean_us,teardown_max_us,holders_per_teardown,"
		"teardown_ipis_per_teardown,ipis_to_non_holders_per_teardown,wasted_ipis_per_teardown,"
		"flush_ipis_per_teardown,slots_scanned_per_teardown,violations,host_share_min\n");
	for (int i = 0; i < r->nr_cells; i++) {
		const struct bench_cell *c = &r->cells[i];
		bool td = bench_wls[c->wl].teardown;

		fprintf(f, "%s,%s,%d,%s", bench_wls[c->wl].name, bench_mode_names[c->mode], c->tasks,
			c->ops->name);
		csv_num(f, c->median, "%.1f");
		csv_num(f, c->speedup, "%.4f");
		csv_num(f, c->fraction, "%.4f");
		fprintf(f, ",%s", c->oversub ? "yes" : "no");
		csv_num(f, c->min, "%.1f");
		csv_num(f, c->max, "%.1f");
		fprintf(f, ",%d,%d,%d,%llu", c->n, c->busy, r->meta.cpus,
			(unsigned long long)r->meta.switch_work_ns);
		csv_num(f, ratio((double)bench_switches(&c->sum), (double)c->sum.ops), "%.4f");
		csv_num(f, per_switch(c, bench_shared_rmw(&c->sum)), "%.4f");
		csv_num(f, per_switch(c, c->sum.cnt[CNT_FENCE]), "%.4f");
		csv_num(f, per_switch(c, c->sum.cnt[CNT_CR3_WRITE]), "%.4f");
		csv_num(f, per_switch(c, c->sum.cnt[CNT_IPI_SENT]), "%.5f");
		fprintf(f, ",%llu", (unsigned long long)c->sum.cnt[BCNT_TEARDOWNS]);
		csv_num(f, td ? teardown_mean_us(c) : NAN, "%.3f");
		csv_num(f, td ? (double)c->sum.td_max_ns / 1e3 : NAN, "%.1f");
		csv_num(f, td ? per_teardown(c, c->sum.cnt[BCNT_HOLDERS]) : NAN, "%.4f");
		csv_num(f, td ? per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]) : NAN, "%.4f");
		csv_num(f, td ? beyond_holders(c) : NAN, "%.4f");
		csv_num(f, td ? per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]) : NAN, "%.4f");
		csv_num(f, td ? per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]) : NAN, "%.4f");
		csv_num(f, td ? per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]) : NAN, "%.3f");
		fprintf(f, ",%llu", (unsigned long long)c->sum.violations);
		csv_num(f, c->share_min, "%.3f");
		fputc('\n', f);
	}
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *key, const char *v)
{
	fprintf(f, "\"%s\": \"", key);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "\"%s\": null", key);
	else
		fprintf(f, "\"%s\": %.6g", key, v);
}

static void json_meta(FILE *f, const struct bench_meta *m)
{
	fprintf(f, "  \"meta\": {");
	json_str(f, "date", m->date);
	fprintf(f, ", ");
	json_str(f, "cpu_model", m->cpu_model);
	fprintf(f, ", \"host_cores\": %d, \"cpus\": %d, ", m->host_cores, m->cpus);
	json_str(f, "kernel", m->kernel);
	fprintf(f, ", ");
	json_str(f, "compiler", m->compiler);
	fprintf(f, ", \"calibration\": \"%s\", \"real_switch_ns\": %llu, \"switch_work_ns\": %llu,"
		" \"seed\": %llu, \"seconds\": %g, \"warmup\": %g, \"rounds\": %d, \"delay_ns\": %llu,"
		" \"exit_map\": %s, \"quick\": %s, \"elapsed_s\": %.1f, ",
		m->calibrated ? "auto" : "fixed", (unsigned long long)m->real_switch_ns,
		(unsigned long long)m->switch_work_ns, (unsigned long long)m->seed, m->seconds,
		m->warmup, m->rounds, (unsigned long long)m->delay_ns, m->exit_map ? "true" : "false",
		m->quick ? "true" : "false", m->elapsed);
	json_str(f, "mutant", m->mutant ? m->mutant : "");
	fprintf(f, ", ");
	json_str(f, "load_start", m->load_start);
	fprintf(f, ", ");
	json_str(f, "load_end", m->load_end);
	fprintf(f, "},\n");
}

static void json_costs(FILE *f, const struct bench_cell *c)
{
	fprintf(f, ", \"per_switch\": {");
	json_num(f, "switches_per_op", ratio((double)bench_switches(&c->sum), (double)c->sum.ops));
	fprintf(f, ", ");
	json_num(f, "shared_rmw", per_switch(c, bench_shared_rmw(&c->sum)));
	fprintf(f, ", ");
	json_num(f, "fences", per_switch(c, c->sum.cnt[CNT_FENCE]));
	fprintf(f, ", ");
	json_num(f, "cr3_writes", per_switch(c, c->sum.cnt[CNT_CR3_WRITE]));
	fprintf(f, ", ");
	json_num(f, "ipis", per_switch(c, c->sum.cnt[CNT_IPI_SENT]));
	fprintf(f, "}");
	if (!bench_wls[c->wl].teardown)
		return;
	fprintf(f, ", \"per_teardown\": {\"teardowns\": %llu, ",
		(unsigned long long)c->sum.cnt[BCNT_TEARDOWNS]);
	json_num(f, "mean_us", teardown_mean_us(c));
	fprintf(f, ", ");
	json_num(f, "max_us", (double)c->sum.td_max_ns / 1e3);
	fprintf(f, ", ");
	json_num(f, "holders", per_teardown(c, c->sum.cnt[BCNT_HOLDERS]));
	fprintf(f, ", ");
	json_num(f, "teardown_ipis", per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]));
	fprintf(f, ", ");
	json_num(f, "ipis_to_non_holders", beyond_holders(c));
	fprintf(f, ", ");
	json_num(f, "wasted_ipis", per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]));
	fprintf(f, ", ");
	json_num(f, "flush_ipis", per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]));
	fprintf(f, ", ");
	json_num(f, "slots_scanned", per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]));
	fprintf(f, "}");
}

static void json_cell(FILE *f, const struct bench_cell *c)
{
	fprintf(f, "    {\"workload\": \"%s\", \"mode\": \"%s\", \"tasks\": %d, \"scheme\": \"%s\", ",
		bench_wls[c->wl].name, bench_mode_names[c->mode], c->tasks, c->ops->name);
	json_num(f, "ops_per_sec", c->median);
	fprintf(f, ", ");
	json_num(f, "ops_min", c->min);
	fprintf(f, ", ");
	json_num(f, "ops_max", c->max);
	fprintf(f, ", \"samples\": [");
	for (int k = 0; k < c->n; k++)
		fprintf(f, "%s%.1f", k ? ", " : "", c->ops_per_sec[k]);
	fprintf(f, "], ");
	json_num(f, "speedup_vs_refcount", c->speedup);
	fprintf(f, ", ");
	json_num(f, "fraction_of_none", c->fraction);
	fprintf(f, ", ");
	json_num(f, "host_share_min", c->share_min);
	fprintf(f, ", \"retries\": %d", c->retries);
	fprintf(f, ", \"oversubscribed\": %s, \"busy_cpus\": %d, \"safe\": %s, \"violations\": %llu",
		c->oversub ? "true" : "false", c->busy, lazy_safe(c->ops) ? "true" : "false",
		(unsigned long long)c->sum.violations);
	json_costs(f, c);
	fprintf(f, "}");
}

void bench_print_json(FILE *f, const struct bench_results *r)
{
	fprintf(f, "{\n");
	json_meta(f, &r->meta);
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < r->nr_cells; i++) {
		json_cell(f, &r->cells[i]);
		fprintf(f, "%s\n", i + 1 < r->nr_cells ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

/* ---- the figure ---- */

/* What the y axis shows: speedup over refcount if it was measured, else
 * the fraction of none, else operations per second. */
static double plot_value(const struct bench_cell *c, int which)
{
	return which == 0 ? c->speedup : which == 1 ? c->fraction : c->median;
}

static int plot_which(const struct bench_results *r)
{
	for (int i = 0; i < r->nr_cells; i++)
		if (!isnan(r->cells[i].speedup))
			return 0;
	for (int i = 0; i < r->nr_cells; i++)
		if (!isnan(r->cells[i].fraction))
			return 1;
	return 2;
}

/* Scheme s's points of one panel, scaling or oversubscribed ones; printed
 * if `print`.  Returns how many there are. */
static int plot_series(FILE *g, const struct bench_cell *c, int n, int nr, int s, int over,
		       int which, bool print)
{
	int k = 0;

	for (int i = s; i < n; i += nr) {
		double v = plot_value(&c[i], which);

		if (isnan(v) || c[i].oversub != over)
			continue;
		if (print)
			fprintf(g, "%d %g\n", c[i].tasks, v);
		k++;
	}
	return k;
}

/* One panel: a line per scheme, the oversubscribed range shaded. */
static void plot_panel(FILE *g, const struct bench_results *r, const struct bench_cell *c, int n,
		       int which)
{
	static const char *const ylabel[3] = { "speedup over refcount", "fraction of none",
					       "operations / s" };
	int nr = r->nr_schemes;
	double first_over = NAN, last_fit = NAN;

	for (int i = 0; i < n; i += nr) {
		if (c[i].oversub && isnan(first_over))
			first_over = c[i].tasks;
		if (!c[i].oversub)
			last_fit = c[i].tasks;
	}
	fprintf(g, "set title \"%s --mode %s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\n",
		bench_wls[c->wl].name, bench_mode_names[c->mode],
		bench_wls[c->wl].teardown ? "K (lazy CPUs)" : "tasks", ylabel[which]);
	fprintf(g, "unset object 1\nset xrange [%g:%g]\n", c[0].tasks - 0.3, c[n - 1].tasks + 0.3);
	if (!isnan(first_over))
		fprintf(g, "set object 1 rect from %g, graph 0 to graph 1, graph 1 behind "
			"fc rgb \"#e8e8e8\" fs solid noborder\n",
			isnan(last_fit) ? c[0].tasks - 0.3 : (last_fit + first_over) / 2);
	/* per scheme: the scaling points joined by a line, the oversubscribed
	 * ones as open markers, not joined (they are not scaling); gnuplot
	 * rejects an empty inline series, so empty ones are left out */
	fprintf(g, "plot");
	for (int s = 0, first = 1; s < nr; s++)
		for (int over = 0; over < 2; over++) {
			if (!plot_series(g, c, n, nr, s, over, which, false))
				continue;
			fprintf(g, "%s '-' using 1:2 with %s lc %d pt %d ", first ? "" : ",",
				over ? "points ps 1.5" : "linespoints lw 2", s + 1, 5 + 2 * s - over);
			if (over)
				fprintf(g, "notitle");
			else
				fprintf(g, "title \"%s\"", r->schemes[s]->name);
			first = 0;
		}
	fprintf(g, "\n");
	for (int s = 0; s < nr; s++)
		for (int over = 0; over < 2; over++)
			if (plot_series(g, c, n, nr, s, over, which, true))
				fprintf(g, "e\n");
}

static void plot_quote(FILE *g, const char *s)
{
	fputc('"', g);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', g);
		fputc(*s, g);
	}
	fputc('"', g);
}

int bench_plot(const char *png, const struct bench_results *r)
{
	int panels = 0, which = plot_which(r), st;
	FILE *g;

	for (int i = 0, n; i < r->nr_cells; i += n, panels++)
		n = group_len(r, i);
	g = popen("gnuplot", "w");
	if (!g) {
		fprintf(stderr, "lazymm bench: cannot run gnuplot\n");
		return -1;
	}
	fprintf(g, "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		"  set terminal pngcairo noenhanced size 1200,%d font \",10\"\n} else {\n"
		"  set terminal png noenhanced size 1200,%d\n}\nset output ", 340 * ((panels + 1) / 2),
		340 * ((panels + 1) / 2));
	plot_quote(g, png);
	fprintf(g, "\nset key outside right top\nset grid\nset xtics 1\n"
		"set multiplot layout %d,2 title \"lazymm bench: %d simulated CPUs, switch work %llu ns"
		" (shaded: oversubscribed)\"\n", (panels + 1) / 2, r->meta.cpus,
		(unsigned long long)r->meta.switch_work_ns);
	for (int i = 0, n; i < r->nr_cells; i += n) {
		n = group_len(r, i);
		plot_panel(g, r, &r->cells[i], n, which);
	}
	fprintf(g, "unset multiplot\n");
	st = pclose(g);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "lazymm bench: gnuplot failed drawing %s\n", png);
		return -1;
	}
	return 0;
}
