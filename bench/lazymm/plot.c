/*
 * plot.c - the figure: speedup over refcount (or fraction of none)
 * against tasks, drawn by gnuplot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

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
		n = bench_group_len(r, i);
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
		n = bench_group_len(r, i);
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
