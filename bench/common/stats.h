/*
 * stats.h - the statistics both benchmarks report, as pure functions.
 *
 * Nothing here keeps state or touches its inputs: every function reads its
 * arguments and returns a value.  NAN marks "no value" (no samples, no
 * reference), and NAN inputs are skipped, as a missing sample is.
 */
#ifndef BENCH_COMMON_STATS_H
#define BENCH_COMMON_STATS_H

#define BC_MAX_SAMPLES 256      /* the most values one call considers */

/* The median of the non-NAN values among v[0..n): the middle one, or the
 * mean of the two middle ones; NAN if there is none. */
double bc_median(const double *v, int n);

/* The smallest and largest non-NAN value; NAN if there is none. */
double bc_min(const double *v, int n);
double bc_max(const double *v, int n);

/*
 * Paired ratio: the median over i of v[i] / ref[i], over the i where both
 * were measured (not NAN) and ref[i] > 0.  Samples taken in the same round
 * ran one after the other, so a drift of the machine between rounds
 * cancels out of each ratio.  NAN if no pair qualifies.
 */
double bc_paired_ratio(const double *v, const double *ref, int n);

/* a / b, NAN unless b > 0 (a count or a rate). */
double bc_ratio(double a, double b);

#endif /* BENCH_COMMON_STATS_H */
