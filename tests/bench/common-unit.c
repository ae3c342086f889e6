/*
 * common-unit.c - unit tests of bench/common: the statistics both
 * benchmarks report, and list parsing.  Exit 0 when every check holds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bench/common/list.h"
#include "../../bench/common/stats.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static int near(double a, double b)
{
	return fabs(a - b) < 1e-12;
}

static void test_median(void)
{
	double odd[] = { 5, 1, 3 };
	double even[] = { 4, 1, 3, 2 };
	double with_nan[] = { NAN, 7, NAN, 1, 4 };
	double none[] = { NAN, NAN };
	double copy[3];

	memcpy(copy, odd, sizeof(odd));
	CHECK(near(bc_median(odd, 3), 3));
	CHECK(memcmp(copy, odd, sizeof(odd)) == 0);     /* pure: input untouched */
	CHECK(near(bc_median(even, 4), 2.5));
	CHECK(near(bc_median(with_nan, 5), 4));
	CHECK(isnan(bc_median(none, 2)));
	CHECK(isnan(bc_median(odd, 0)));
	CHECK(near(bc_median(odd, 1), 5));
}

static void test_min_max(void)
{
	double v[] = { NAN, 3, -2, 8, NAN };
	double none[] = { NAN };

	CHECK(near(bc_min(v, 5), -2));
	CHECK(near(bc_max(v, 5), 8));
	CHECK(isnan(bc_min(none, 1)));
	CHECK(isnan(bc_max(v, 0)));
}

static void test_paired_ratio(void)
{
	/* a drift of the machine between rounds cancels out of each ratio */
	double a[] = { 110, 220, 55 };
	double ref[] = { 100, 200, 50 };
	double gap[] = { 110, NAN, 55, 90 };
	double gref[] = { 100, 200, 0, NAN };
	double ones[] = { 1, 2, 3 };

	CHECK(near(bc_paired_ratio(a, ref, 3), 1.1));
	CHECK(near(bc_paired_ratio(ref, ref, 3), 1.0));
	/* only round 0 qualifies: round 1 lacks a, round 2 has ref 0, round 3 lacks ref */
	CHECK(near(bc_paired_ratio(gap, gref, 4), 1.1));
	CHECK(isnan(bc_paired_ratio(ones, gref + 2, 2)));
	CHECK(near(bc_ratio(3, 2), 1.5));
	CHECK(isnan(bc_ratio(1, 0)));
	CHECK(isnan(bc_ratio(1, -2)));
}

static void test_split_list(void)
{
	char *items[4];
	const char *err = NULL;
	const char *orig = "1,22,333";
	char argv_copy[16];
	int n;

	strcpy(argv_copy, orig);
	n = bc_split_list(argv_copy, items, 4, &err);
	CHECK(n == 3);
	if (n == 3) {
		CHECK(!strcmp(items[0], "1") && !strcmp(items[1], "22") && !strcmp(items[2], "333"));
		free(items[0]);
	}
	CHECK(!strcmp(argv_copy, orig));                /* the value itself is not cut */
	n = bc_split_list("a", items, 4, &err);
	CHECK(n == 1);
	if (n == 1)
		free(items[0]);
	CHECK(bc_split_list("1,,2", items, 4, &err) == -1 && strstr(err, "empty"));
	CHECK(bc_split_list("1,2,", items, 4, &err) == -1 && strstr(err, "empty"));
	CHECK(bc_split_list("", items, 4, &err) == -1);
	CHECK(bc_split_list("1,2,3,4,5", items, 4, &err) == -1 && strstr(err, "too many"));
}

int main(void)
{
	test_median();
	test_min_max();
	test_paired_ratio();
	test_split_list();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("bench/common: every check holds\n");
	return 0;
}
