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
		"hazptr fence %s\n", prefix, h.cpu_model, sysconf(_SC_NPROCESSORS_ONLN),
		h.kernel, h.compiler, load,
		hazptr_fence_name(hazptr_domain_fence(hz_dom[0])));
}

void hzb_report_header(const struct hzb_report *r)
{
	if (r->csv)
		printf("impl,threads,workload,ns_per_op\n");
	else
		printf("%-8s %7s  %-18s %10s  %8s  %9s\n", "workload", "threads", "impl",
		       "ns/op", "x bare", "x hazptr");
}

/* The rows of one (threads, workload) cell; med[im] is a median ns/op. */
void hzb_report_cell(const struct hzb_report *r, unsigned int threads,
		     enum workload wl, const double *med)
{
	for (int im = 0; im < NIMPL; im++) {
		char vbare[16] = "-", vhz[16] = "-";

		if (!(r->impls >> im & 1) || !hzb_applies((enum impl)im, wl))
			continue;
		if (r->csv) {
			printf("%s,%u,%s,%.3f\n", hzb_impls[im]->name, threads,
			       hzb_work_name[wl], med[im]);
			continue;
		}
		/* Ratios within this run only: a read-side row against bare,
		 * every row against hazptr. */
		if (med[I_BARE] > 0)
			snprintf(vbare, sizeof(vbare), "%.2f", med[im] / med[I_BARE]);
		if (med[I_HZ_MB] > 0)
			snprintf(vhz, sizeof(vhz), "%.2f", med[im] / med[I_HZ_MB]);
		printf("%-8s %7u  %-18s %10.2f  %8s  %9s\n", hzb_work_name[wl],
		       threads, hzb_impls[im]->name, med[im], vbare, vhz);
	}
}

void hzb_report_footer(const struct hzb_report *r)
{
	if (r->csv)
		return;
	printf("(median of %u samples of %.0f ms; ratio > 1: slower than bare "
	       "or hazptr-membarrier, same run; retire: ns per object incl. "
	       "reclaim)\n", r->samples, r->sample_ns / 1e6);
	hzb_machine_line(stdout, "after run: ");
}
