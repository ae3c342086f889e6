/*
 * report.c - what `lazymm bench` prints: the table in the RFC's shape
 * (tasks; operations/s per scheme; speedup over refcount; fraction of
 * none), the per-switch and per-teardown counters, the run metadata.  The
 * same results as CSV and JSON are export.c's; the figure is plot.c's.
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

/* counter k per counted operation, over all samples */
double bench_per_op(const struct bench_cell *c, int k)
{
	return bc_ratio((double)c->sum.cnt[k], (double)c->sum.ops);
}

double bench_per_switch(const struct bench_cell *c, uint64_t v)
{
	return bc_ratio((double)v, (double)bench_switches(&c->sum));
}

double bench_per_teardown(const struct bench_cell *c, uint64_t v)
{
	return bc_ratio((double)v, (double)c->sum.cnt[BCNT_TEARDOWNS]);
}

/* Mean teardown latency: the model's own sum and count, read together. */
double bench_teardown_mean_us(const struct bench_cell *c)
{
	return bc_ratio((double)c->sum.td_sum_ns, (double)c->sum.td_count) / 1e3;
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
	fprintf(f, "  %-6s %-10s %11s %11s %10s %8s %10s %10s %10s %6s\n", "tasks", "scheme", "switches/op",
		"shared RMW", "local RMW", "fences", "CR3 writes", "IPIs sent", "lazy evict", "host%");
	for (int i = 0; i < ng; i++) {
		const struct bench_cell *c = &g[i];

		fprintf(f, "  %5d%c %-10s %11.3f %11.3f %10.3f %8.3f %10.3f %10.4f %10.4f %6.0f\n", c->tasks,
			c->oversub ? '*' : ' ', c->ops->name,
			bc_ratio((double)bench_switches(&c->sum), (double)c->sum.ops),
			bench_per_switch(c, bench_shared_rmw(&c->sum)),
			bench_per_switch(c, c->sum.cnt[CNT_RMW_LOCAL]), bench_per_switch(c, c->sum.cnt[CNT_FENCE]),
			bench_per_switch(c, c->sum.cnt[CNT_CR3_WRITE]), bench_per_switch(c, c->sum.cnt[CNT_IPI_SENT]),
			bench_per_switch(c, c->sum.cnt[CNT_LAZY_EVICT]), 100 * c->share_min);
	}
}

/* Teardown IPIs per teardown that went beyond the CPUs still holding the
 * dying mm (never negative: a holder may leave before its IPI). */
double bench_beyond_holders(const struct bench_cell *c)
{
	double v = bench_per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]) -
		   bench_per_teardown(c, c->sum.cnt[BCNT_HOLDERS]);

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
			bench_teardown_mean_us(c), (double)c->sum.td_max_ns / 1e3,
			bench_per_teardown(c, c->sum.cnt[BCNT_HOLDERS]),
			bench_per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]), bench_beyond_holders(c),
			bench_per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]),
			bench_per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]),
			bench_per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]), 100 * c->share_min);
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
int bench_group_len(const struct bench_results *r, int i)
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
		n = bench_group_len(r, i);
		print_group(f, r, &r->cells[i], n);
	}
	print_meta(f, m);
}

