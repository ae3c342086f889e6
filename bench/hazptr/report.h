/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - hazptr-bench's output: a table (default) or CSV.
 */
#ifndef HZBENCH_REPORT_H
#define HZBENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hzbench.h"

struct hzb_report {
	bool csv;
	unsigned int impls;	/* selection mask over enum impl */
	unsigned int samples;
	uint64_t sample_ns;
};

void hzb_report_header(const struct hzb_report *r);
void hzb_report_cell(const struct hzb_report *r, unsigned int threads,
		     enum workload wl, const double *med);
void hzb_report_footer(const struct hzb_report *r);

#endif /* HZBENCH_REPORT_H */
