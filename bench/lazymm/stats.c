/*
 * stats.c - each cell's median and range, and the paired ratios against
 * the baseline scheme (speedup) and the limit (fraction of none), with
 * bench/common/stats.h's pure functions.
 */
#include <math.h>
#include <string.h>

#include "bench.h"

static void summarize_cell(struct bench_cell *c)
{
	c->share_min = c->n ? bc_min(c->share, c->n) : NAN;
	if (!c->n || c->unsafe) {
		c->median = c->min = c->max = NAN;
		return;
	}
	c->median = bc_median(c->ops_per_sec, c->n);
	c->min = bc_min(c->ops_per_sec, c->n);
	c->max = bc_max(c->ops_per_sec, c->n);
}

/*
 * c against ref: the median over rounds of the ratio of their samples in
 * the same round (bc_paired_ratio()).  The schemes of a round ran one
 * after the other, so a drift of the machine between rounds cancels out
 * of each ratio; that is what the interleaving is for.
 */
static double paired_ratio(const struct bench_cell *c, const struct bench_cell *ref)
{
	if (!ref || ref->unsafe || c->unsafe)
		return NAN;
	return bc_paired_ratio(c->by_round, ref->by_round, BENCH_MAX_ROUNDS);
}

static const struct bench_cell *find_ref(const struct bench_cell *g, int nr, enum lazy_role role)
{
	for (int s = 0; s < nr; s++)
		if (g[s].ops->role == role)
			return &g[s];
	return NULL;
}

void bench_summarize(struct bench_results *r)
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
