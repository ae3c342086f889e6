/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - hazptr-bench's output: a table (default) or CSV.
 */
#ifndef HZBENCH_REPORT_H
#define HZBENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hzbench.h"

/* What a sample records: the columns of a row. */
enum { C_NS, C_MOPS, C_RETIRED, C_PEAK, C_END, NCOL };

struct hzb_report {
	bool csv;
	bool ds;		/* data-structure rows too: their columns */
	bool micro;		/* micro-benchmark rows too (always timed) */
	uint64_t nops;		/* --ops (0: timed samples) */
	unsigned int impls;	/* selection mask over enum impl */
	unsigned int samples;
	uint64_t sample_ns;
};

void hzb_report_header(const struct hzb_report *r);
void hzb_report_cell(const struct hzb_report *r, unsigned int threads,
		     enum workload wl, double med[NCOL][NIMPL]);
void hzb_report_footer(const struct hzb_report *r);

#endif /* HZBENCH_REPORT_H */
