/*
 * cli.h - the lazymm commands and the engines the test programs share.
 *
 *   cli/lazymm.c    main(): the command table
 *   cli/opt.c       the one option parser (opt.h)
 *   cli/torture.c   `lazymm torture` and torture_run()
 *   cli/litmus.c    `lazymm litmus` and litmus_lazy_return()
 *   cli/wrap.c      `lazymm scenario` and `lazymm mutants`: run the test
 *                   programs of tests/model/
 *   bench/lazymm/   `lazymm bench`
 */
#ifndef LAZYMM_CLI_H
#define LAZYMM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "opt.h"
#include "../model/model.h"
#include "../model/lazy/lazy.h"

/* torture.c */
struct torture_params {
	const struct lazy_tlb_ops *ops;
	const char *mutant;
	int cpus;
	double seconds;
	uint64_t seed;
	enum lm_flush_mode flush_mode;
	enum lm_ipi_mode ipi_mode;
	bool quiet;
	int max_reports;
	bool hotplug;                 /* CPUs go offline and online while it runs */
};
struct torture_result {
	uint64_t violations;
	uint64_t per_inv[INV_NR];
	uint64_t switches;
	double elapsed;
	double first_violation_s;     /* -1 if none */
	uint64_t hotplug_cycles;
	bool hung;
};
int torture_run(const struct torture_params *p, struct torture_result *r, FILE *out);

/* litmus.c: runs `rounds` rounds; the number of forbidden outcomes, or -1 */
long litmus_lazy_return(const struct lazy_tlb_ops *ops, const char *mutant, long rounds, bool quiet,
			long *judged);

/* The commands (each file defines its own). */
extern const struct cli_cmd cli_torture, cli_litmus, cli_bench, cli_predict, cli_scenario, cli_mutants;

#endif /* LAZYMM_CLI_H */
