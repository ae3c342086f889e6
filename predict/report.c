/*
 * report.c - `lazymm predict` output: table, CSV, JSON, gnuplot figure,
 * in the shape of `lazymm bench`'s (docs/bench.md, "Output").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

static void num(FILE *f, double v, const char *fmt)
{
	if (isfinite(v))
		fprintf(f, fmt, v);
}

static const char *human(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

void report_table(FILE *f, const struct report *r)
{
	int i = 0;

	fprintf(f, "lazymm predict: %s (%s), %d CPUs; templates: %s\n", r->m->name, r->m->desc,
		r->m->nr_cpus, r->templates);
	{
		/* the band's parameters as the sweep runs them (sweep_band_names()) */
		const char *bn[16];
		char list[256] = "";
		int nb = sweep_band_names(r->m, bn, 16);

		for (int k = 0; k < nb && k < 16; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
				 strcmp(bn[k], "lat") ? bn[k] : "latencies");
		if (r->m->arb_policy == ARB_TIMING)
			fprintf(f, "parameters: switch_ns %.0f (%s); line arbitration: timing (no parameter)",
				r->m->switch_ns.v, r->m->fitted ? "fitted on the RFC's -t <= 48 points" : "not fitted on this machine: see its file");
		else
			fprintf(f, "parameters: switch_ns %.0f, arb_near %.2f (%s); line arbitration: near_mix",
				r->m->switch_ns.v, r->m->arb_near.v, r->m->fitted ? "fitted on the RFC's -t <= 48 points" : "not fitted on this machine: see its file");
		fprintf(f, "; band: each of %s at its low and high end\n", list);
	}
	while (i < r->nrows) {
		const struct pred_row *g = &r->rows[i];
		int j = i;

		fprintf(f, "\n%s --mode %s  (speedup over refcount [band]; fraction of none; ops/s = round trips/s%s)\n",
			wl_names[g->wl], wmode_names[g->mode],
			g->wl == WLP_CS1 ? ", will-it-scale prints twice that" : "");
		fprintf(f, "%6s %-10s %10s %22s %9s %8s %8s %8s %6s\n", "tasks", "scheme", "ops/s",
			"speedup [lo-hi]", "of none", "sw/op", "rmw/sw", "mb/sw", "uu%");
		while (j < r->nrows && r->rows[j].wl == g->wl && r->rows[j].mode == g->mode) {
			const struct pred_row *w = &r->rows[j];
			char b[32], sp[48];

			snprintf(sp, sizeof(sp), "%+.1f%% [%+.1f..%+.1f]", 100 * (w->speedup - 1),
				 100 * (w->lo - 1), 100 * (w->hi - 1));
			fprintf(f, "%6d %-10s %10s %22s %9.3f %8.2f %8.2f %8.2f %5.0f%%\n", w->tasks,
				w->scheme->name, human(w->ops_per_sec, b, sizeof(b)), sp, w->fraction,
				w->switches_per_op, w->rmw_per_switch, w->fences_per_switch, 100 * w->uu_share);
			j++;
		}
		i = j;
	}
}

void report_csv(FILE *f, const struct report *r)
{
	fprintf(f, "workload,mode,tasks,scheme,ops_per_sec,speedup_vs_refcount,fraction_of_none,"
		   "speedup_lo,speedup_hi,fraction_lo,fraction_hi,switches_per_op,shared_rmw_per_switch,"
		   "fences_per_switch,cr3_writes_per_switch,user_user_share,line_wait_ns,machine,cpus\n");
	for (int i = 0; i < r->nrows; i++) {
		const struct pred_row *w = &r->rows[i];

		fprintf(f, "%s,%s,%d,%s,%.0f,", wl_names[w->wl], wmode_names[w->mode], w->tasks,
			w->scheme->name, w->ops_per_sec);
		num(f, w->speedup, "%.4f");
		fputc(',', f);
		num(f, w->fraction, "%.4f");
		fprintf(f, ",%.4f,%.4f,%.4f,%.4f,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f,%s,%d\n", w->lo, w->hi,
			w->flo, w->fhi, w->switches_per_op, w->rmw_per_switch, w->fences_per_switch,
			w->cr3_per_switch, w->uu_share, w->res.rmw_wait_ns, r->m->name, r->m->nr_cpus);
	}
}

void report_json(FILE *f, const struct report *r)
{
	fprintf(f, "{\n  \"machine\": \"%s\", \"cpus\": %d, \"templates\": \"%s\",\n"
		   "  \"switch_ns\": %.1f, \"arb_policy\": \"%s\", \"arb_near\": %.3f, \"fitted\": %s,\n  \"rows\": [\n",
		r->m->name, r->m->nr_cpus, r->templates, r->m->switch_ns.v,
		arb_policy_names[r->m->arb_policy], r->m->arb_near.v, r->m->fitted ? "true" : "false");
	for (int i = 0; i < r->nrows; i++) {
		const struct pred_row *w = &r->rows[i];

		fprintf(f, "    {\"workload\": \"%s\", \"mode\": \"%s\", \"tasks\": %d, \"scheme\": \"%s\", "
			   "\"ops_per_sec\": %.0f, \"speedup_vs_refcount\": %.4f, \"fraction_of_none\": %.4f, "
			   "\"speedup_lo\": %.4f, \"speedup_hi\": %.4f, \"switches_per_op\": %.3f, "
			   "\"shared_rmw_per_switch\": %.3f, \"fences_per_switch\": %.3f, "
			   "\"user_user_share\": %.3f, \"round_trips\": %llu, \"started\": %llu, \"in_flight\": %llu, "
			   "\"mm_count_grants_per_sec\": {\"self\": %.0f, \"smt\": %.0f, \"ccx\": %.0f, \"socket\": %.0f, \"remote\": %.0f}}%s\n",
			wl_names[w->wl], wmode_names[w->mode], w->tasks, w->scheme->name, w->ops_per_sec,
			isfinite(w->speedup) ? w->speedup : 0, isfinite(w->fraction) ? w->fraction : 0,
			w->lo, w->hi, w->switches_per_op, w->rmw_per_switch, w->fences_per_switch, w->uu_share,
			(unsigned long long)w->res.round_trips, (unsigned long long)w->res.started,
			(unsigned long long)w->res.in_flight,
			w->res.ops ? (double)w->res.count_grants[D_SELF] * w->ops_per_sec / (double)w->res.ops : 0,
			w->res.ops ? (double)w->res.count_grants[D_SMT] * w->ops_per_sec / (double)w->res.ops : 0,
			w->res.ops ? (double)w->res.count_grants[D_CCX] * w->ops_per_sec / (double)w->res.ops : 0,
			w->res.ops ? (double)w->res.count_grants[D_SOCKET] * w->ops_per_sec / (double)w->res.ops : 0,
			w->res.ops ? (double)w->res.count_grants[D_REMOTE] * w->ops_per_sec / (double)w->res.ops : 0,
			i + 1 < r->nrows ? "," : "");
	}
	fprintf(f, "  ],\n  \"teardown\": [\n");
	for (int i = 0; i < r->ntd; i++) {
		const struct td_row *t = &r->td[i];

		fprintf(f, "    {\"scheme\": \"%s\", \"cpus\": %d, \"lazy\": %d, \"mapped\": %s, "
			   "\"initiator_us\": %.3f, \"initiator_lo_us\": %.3f, \"initiator_hi_us\": %.3f, "
			   "\"remote_us\": %.3f, \"deferred_us\": %.3f, \"ipis\": %.1f, \"scanned\": %.0f}%s\n",
			t->scheme, t->n, t->k, t->mapped ? "true" : "false", t->c.initiator_ns / 1e3,
			t->lo.initiator_ns / 1e3, t->hi.initiator_ns / 1e3,
			t->c.remote_ns / 1e3, t->c.deferred_ns / 1e3, t->c.ipis, t->c.scanned,
			i + 1 < r->ntd ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

void report_teardown(FILE *f, const struct report *r)
{
	if (!r->ntd)
		return;
	fprintf(f, "\nexit: one teardown (last __mmput + __mmdrop) with every other CPU lazy on the dying mm, us on the exiting CPU\n"
		   "      (band: every cost at the low .. high end of its range in the machine file)\n"
		   "      [remote CPU time of the IPIs; refcount: the lazy CPUs' deferred mm_count drops]\n");
	for (int mapped = 1; mapped >= 0; mapped--) {
		fprintf(f, "%s\n%6s", mapped ? "  mapped (exit_mmap's flush evicts the lazy CPUs first)"
					 : "  nothing mapped (no flush: the lazy CPUs still hold the mm)", "CPUs");
		for (int s = 0; s < r->ntd_schemes; s++)
			fprintf(f, " %31s", r->td_schemes[s]);
		fputc('\n', f);
		for (int i = 0; i < r->ntd; i += r->ntd_schemes) {
			if (r->td[i].mapped != mapped)
				continue;
			fprintf(f, "%6d", r->td[i].n);
			for (int s = 0; s < r->ntd_schemes; s++) {
				const struct td_row *t = &r->td[i + s];
				char b[64];

				snprintf(b, sizeof(b), "%.2f (%.2f..%.2f) [%.1f]", t->c.initiator_ns / 1e3,
					 t->lo.initiator_ns / 1e3, t->hi.initiator_ns / 1e3,
					 (t->c.remote_ns + t->c.deferred_ns) / 1e3);
				fprintf(f, " %31s", b);
			}
			fputc('\n', f);
		}
	}
	for (int i = 0; i < r->ncross; i++)
		fprintf(f, "  crossover: %s\n", r->cross[i]);
}

/* gnuplot: one panel per (workload, mode), speedup over refcount against
 * tasks on a log axis, the band as a filled area per scheme. */
int report_plot(const char *png, const struct report *r)
{
	char dat[512], gp[512], cmd[1200];
	FILE *d, *g;
	int panels = 0, rc;

	snprintf(dat, sizeof(dat), "%s.dat", png);
	snprintf(gp, sizeof(gp), "%s.gp", png);
	d = fopen(dat, "w");
	g = fopen(gp, "w");
	if (!d || !g) {
		if (d) fclose(d);
		if (g) fclose(g);
		return -1;
	}
	for (int i = 0; i < r->nrows; i++)
		if (i == 0 || r->rows[i].wl != r->rows[i - 1].wl || r->rows[i].mode != r->rows[i - 1].mode)
			panels++;
	if (!r->nrows && r->ntd) {
		/* the teardown: us on the exiting CPU against CPUs, per scheme */
		int block = 0;

		fprintf(g, "set terminal pngcairo size 900,760\nset output '%s'\nset multiplot layout 2,1\n"
			   "set termoption noenhanced\nset logscale xy 2\nset key outside right\nset grid\n"
			   "set xlabel 'CPUs (all but the exiting one lazy on the mm)'\n"
			   "set ylabel 'us on the exiting CPU'\n", png);
		for (int mapped = 1; mapped >= 0; mapped--) {
			fprintf(g, "set title '%s: one teardown, %s'\nplot ", r->m->name,
				mapped ? "mapped (the exit flush evicts lazy CPUs)" : "nothing mapped");
			for (int sc = 0; sc < r->ntd_schemes; sc++) {
				fprintf(g, "%s'%s' index %d using 1:2 with linespoints title '%s' pt 7",
					sc ? ", " : "", dat, block++, r->td_schemes[sc]);
				for (int i = sc; i < r->ntd; i += r->ntd_schemes)
					if (r->td[i].mapped == mapped)
						fprintf(d, "%d %.4f\n", r->td[i].n,
							fmax(r->td[i].c.initiator_ns / 1e3, 0.01));
				fprintf(d, "\n\n");
			}
			fprintf(g, "\n");
		}
		panels = -1;
	}
	if (panels >= 0)
		fprintf(g, "set terminal pngcairo size 900,%d\nset output '%s'\nset multiplot layout %d,1\n"
			   "set logscale x 2\nset key outside right\nset grid\nset xlabel 'tasks (-t)'\n"
			   "set termoption noenhanced\n"
			   "set ylabel 'speedup over refcount'\nset style fill transparent solid 0.15 noborder\n",
			380 * (panels ? panels : 1), png, panels ? panels : 1);
	for (int i = 0, block = 0; i < r->nrows; ) {
		const struct pred_row *h = &r->rows[i];
		int j = i, first = 1;

		fprintf(g, "set title '%s: %s --mode %s (predicted; shaded: band)'\nplot ", r->m->name,
			wl_names[h->wl], wmode_names[h->mode]);
		for (int s = 0; s < r->nschemes; s++) {
			fprintf(g, "%s'%s' index %d using 1:3:4 with filledcurves notitle lc %d, "
				   "'' index %d using 1:2 with linespoints title '%s' lc %d pt 7",
				first ? "" : ", ", dat, block, s + 1, block, r->schemes[s], s + 1);
			first = 0;
			for (int k = i; k < r->nrows && r->rows[k].wl == h->wl && r->rows[k].mode == h->mode; k++)
				if (!strcmp(r->rows[k].scheme->name, r->schemes[s]))
					fprintf(d, "%d %.4f %.4f %.4f\n", r->rows[k].tasks, r->rows[k].speedup,
						r->rows[k].lo, r->rows[k].hi);
			fprintf(d, "\n\n");
			block++;
		}
		if (r->obs_n && h->wl == WLP_CS1 && h->mode == WM_THREADS) {
			/* the public points (hazptr over refcount) as black markers */
			fprintf(g, ", '%s' index %d using 1:2 with points title 'RFC, fitted' pt 5 lc black"
				   ", '' index %d using 1:2 with points title 'public, not fitted' pt 4 ps 1.5 lc black",
				dat, block, block + 1);
			for (int k = 0; k < r->obs_n; k++)
				if (r->obs[k].fitted)
					fprintf(d, "%d %.4f\n", r->obs[k].tasks, r->obs[k].speedup);
			fprintf(d, "\n\n");
			for (int k = 0; k < r->obs_n; k++)
				if (!r->obs[k].fitted)
					fprintf(d, "%d %.4f\n", r->obs[k].tasks, r->obs[k].speedup);
			fprintf(d, "\n\n");
			block += 2;
		}
		fprintf(g, "\n");
		while (j < r->nrows && r->rows[j].wl == h->wl && r->rows[j].mode == h->mode)
			j++;
		i = j;
	}
	fprintf(g, "unset multiplot\n");
	fclose(d);
	fclose(g);
	snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>/dev/null", gp);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}
