/*
 * export.c - `lazymm bench --csv` and `--json`: the table's results in
 * machine-readable form (the CSV header and the JSON keys are an
 * interface: tests/bench/check-csv.sh and users' scripts read them).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

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
		"flush_ipis_per_teardown,slots_scanned_per_teardown,violations,host_share_min,"
		"local_rmw_per_switch\n");
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
		csv_num(f, bc_ratio((double)bench_switches(&c->sum), (double)c->sum.ops), "%.4f");
		csv_num(f, bench_per_switch(c, bench_shared_rmw(&c->sum)), "%.4f");
		csv_num(f, bench_per_switch(c, c->sum.cnt[CNT_FENCE]), "%.4f");
		csv_num(f, bench_per_switch(c, c->sum.cnt[CNT_CR3_WRITE]), "%.4f");
		csv_num(f, bench_per_switch(c, c->sum.cnt[CNT_IPI_SENT]), "%.5f");
		fprintf(f, ",%llu", (unsigned long long)c->sum.cnt[BCNT_TEARDOWNS]);
		csv_num(f, td ? bench_teardown_mean_us(c) : NAN, "%.3f");
		csv_num(f, td ? (double)c->sum.td_max_ns / 1e3 : NAN, "%.1f");
		csv_num(f, td ? bench_per_teardown(c, c->sum.cnt[BCNT_HOLDERS]) : NAN, "%.4f");
		csv_num(f, td ? bench_per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]) : NAN, "%.4f");
		csv_num(f, td ? bench_beyond_holders(c) : NAN, "%.4f");
		csv_num(f, td ? bench_per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]) : NAN, "%.4f");
		csv_num(f, td ? bench_per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]) : NAN, "%.4f");
		csv_num(f, td ? bench_per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]) : NAN, "%.3f");
		fprintf(f, ",%llu", (unsigned long long)c->sum.violations);
		csv_num(f, c->share_min, "%.3f");
		csv_num(f, bench_per_switch(c, c->sum.cnt[CNT_RMW_LOCAL]), "%.4f");
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

/* "k1": v1, "k2": v2 ... (no braces) */
static void json_nums(FILE *f, const char *const *keys, const double *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fprintf(f, ", ");
		json_num(f, keys[i], v[i]);
	}
}

static void json_costs(FILE *f, const struct bench_cell *c)
{
	static const char *const sw_keys[] = {
		"switches_per_op", "shared_rmw", "local_rmw", "fences", "cr3_writes", "ipis",
	};
	static const char *const td_keys[] = {
		"mean_us", "max_us", "holders", "teardown_ipis", "ipis_to_non_holders",
		"wasted_ipis", "flush_ipis", "slots_scanned",
	};
	const double sw[] = {
		bc_ratio((double)bench_switches(&c->sum), (double)c->sum.ops),
		bench_per_switch(c, bench_shared_rmw(&c->sum)),
		bench_per_switch(c, c->sum.cnt[CNT_RMW_LOCAL]),
		bench_per_switch(c, c->sum.cnt[CNT_FENCE]),
		bench_per_switch(c, c->sum.cnt[CNT_CR3_WRITE]),
		bench_per_switch(c, c->sum.cnt[CNT_IPI_SENT]),
	};

	fprintf(f, ", \"per_switch\": {");
	json_nums(f, sw_keys, sw, (int)ARRAY_SIZE(sw));
	fprintf(f, "}");
	if (!bench_wls[c->wl].teardown)
		return;
	const double td[] = {
		bench_teardown_mean_us(c),
		(double)c->sum.td_max_ns / 1e3,
		bench_per_teardown(c, c->sum.cnt[BCNT_HOLDERS]),
		bench_per_teardown(c, c->sum.cnt[CNT_IPI_TEARDOWN]),
		bench_beyond_holders(c),
		bench_per_teardown(c, c->sum.cnt[CNT_IPI_WASTED]),
		bench_per_teardown(c, c->sum.cnt[CNT_IPI_FLUSH]),
		bench_per_teardown(c, c->sum.cnt[CNT_SLOTS_SCANNED]),
	};
	fprintf(f, ", \"per_teardown\": {\"teardowns\": %llu, ",
		(unsigned long long)c->sum.cnt[BCNT_TEARDOWNS]);
	json_nums(f, td_keys, td, (int)ARRAY_SIZE(td));
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

