/*
 * stats.c - medians and paired ratios (stats.h).
 */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bc_median(const double *v, int n)
{
	double s[BC_MAX_SAMPLES];
	int k = 0;

	for (int i = 0; i < n && k < BC_MAX_SAMPLES; i++)
		if (!isnan(v[i]))
			s[k++] = v[i];
	if (!k)
		return NAN;
	qsort(s, (size_t)k, sizeof(double), cmp_double);
	return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

double bc_min(const double *v, int n)
{
	double m = NAN;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] < m))
			m = v[i];
	return m;
}

double bc_max(const double *v, int n)
{
	double m = NAN;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] > m))
			m = v[i];
	return m;
}

double bc_paired_ratio(const double *v, const double *ref, int n)
{
	double r[BC_MAX_SAMPLES];
	int k = 0;

	for (int i = 0; i < n && k < BC_MAX_SAMPLES; i++)
		if (!isnan(v[i]) && !isnan(ref[i]) && ref[i] > 0)
			r[k++] = v[i] / ref[i];
	return bc_median(r, k);
}

double bc_ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}
