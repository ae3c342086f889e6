/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.c - the machine line (bench/common's host metadata), the table and
 * the CSV.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/host.h"
#include "hzbench.h"
#include "report.h"

void hzb_machine_line(FILE *f, const char *prefix)
{
	struct bc_host h;
	char load[64];

	bc_host_read(&h);
	bc_read_loadavg(load, sizeof(load));
	load[strcspn(load, " ")] = '\0';	/* the 1-minute average */
	fprintf(f, "%smachine: %s; %ld cpus online; %s; %s; load %s; "
		"hazptr fence %s; holds %s\n", prefix, h.cpu_model,
		sysconf(_SC_NPROCESSORS_ONLN), h.kernel, h.compiler, load,
		hazptr_fence_name(hazptr_domain_fence(hz_dom[0])), hazptr_hold_mode());
}

void hzb_report_header(const struct hzb_report *r)
{
	if (r->csv)
		printf("impl,threads,workload,ns_per_op%s\n", r->ds ?
		       ",mops_per_sec,retired,unreclaimed_peak,unreclaimed_end" : "");
	else if (!r->ds)
		printf("%-8s %7s  %-18s %10s  %8s  %9s\n", "workload", "threads", "impl",
		       "ns/op", "x bare", "x hazptr");
	else
		printf("%-14s %7s  %-18s %10s  %8s  %9s  %8s  %9s  %10s  %10s\n",
		       "workload", "threads", "impl", "ns/op", "x bare", "x hazptr",
		       "Mops/s", "retired", "unrecl-max", "unrecl-end");
}

/*
 * The rows of one (threads, workload) cell; med[c][im] is the median of
 * column c.  Ratios are within this run only: against bare (the read side's
 * limit; for the data structures, no reclamation) and against
 * hazptr-membarrier.
 */
void hzb_report_cell(const struct hzb_report *r, unsigned int threads,
		     enum workload wl, double med[NCOL][NIMPL])
{
	const double *ns = med[C_NS];

	for (int im = 0; im < NIMPL; im++) {
		char vbare[16] = "-", vhz[16] = "-";
		bool ds = WORK_IS_DS(wl);

		if (!(r->impls >> im & 1) || !hzb_applies((enum impl)im, wl))
			continue;
		if (r->csv) {
			printf("%s,%u,%s,%.3f", hzb_impls[im]->name, threads,
			       hzb_work_name[wl], ns[im]);
			if (ds)
				printf(",%.6g,%.0f,%.0f,%.0f\n", med[C_MOPS][im],
				       med[C_RETIRED][im], med[C_PEAK][im], med[C_END][im]);
			else
				printf(r->ds ? ",,,,\n" : "\n");
			continue;
		}
		if (ns[I_BARE] > 0)
			snprintf(vbare, sizeof(vbare), "%.2f", ns[im] / ns[I_BARE]);
		if (ns[I_HZ_MB] > 0)
			snprintf(vhz, sizeof(vhz), "%.2f", ns[im] / ns[I_HZ_MB]);
		if (!r->ds) {
			printf("%-8s %7u  %-18s %10.2f  %8s  %9s\n", hzb_work_name[wl],
			       threads, hzb_impls[im]->name, ns[im], vbare, vhz);
		} else if (!ds) {
			printf("%-14s %7u  %-18s %10.2f  %8s  %9s  %8s  %9s  %10s  %10s\n",
			       hzb_work_name[wl], threads, hzb_impls[im]->name, ns[im],
			       vbare, vhz, "-", "-", "-", "-");
		} else {
			/* Three significant digits below 1 (a 100,000-key
			 * list runs a few thousand operations a second). */
			printf("%-14s %7u  %-18s %10.2f  %8s  %9s  %8.*f  %9.0f  %10.0f  %10.0f\n",
			       hzb_work_name[wl], threads, hzb_impls[im]->name, ns[im],
			       vbare, vhz, med[C_MOPS][im] >= 1 || med[C_MOPS][im] <= 0 ? 3 :
			       med[C_MOPS][im] >= 0.1 ? 4 : 6, med[C_MOPS][im], med[C_RETIRED][im],
			       med[C_PEAK][im], med[C_END][im]);
		}
	}
}

void hzb_report_footer(const struct hzb_report *r)
{
	if (r->csv)
		return;
	if (r->nops && !r->micro)
		printf("(median of %u samples of %llu operations per thread; ",
		       r->samples, (unsigned long long)r->nops);
	else if (r->nops)
		printf("(median of %u samples: data structures %llu operations "
		       "per thread, the rest %.0f ms; ", r->samples,
		       (unsigned long long)r->nops, r->sample_ns / 1e6);
	else
		printf("(median of %u samples of %.0f ms; ", r->samples,
		       r->sample_ns / 1e6);
	printf("ratio > 1: slower than bare or hazptr-membarrier, same run; "
	       "retire, cohort: ns per object incl. reclaim)\n");
	if (r->ds)
		printf("(data structures: %s; Mops/s: all workers together; retired, "
		       "unrecl-max, unrecl-end: objects retired in the sample, retired "
		       "and not yet freed at the worst moment and when the workers "
		       "stopped; bare: no reclamation until the end)\n",
		       r->nops ? "a fixed number of operations per thread (--ops)" :
				 "timed like the rest");
	hzb_machine_line(stdout, "after run: ");
}
