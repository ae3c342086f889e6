/*
 * cli.h - shared pieces of the lazymm command line.
 */
#ifndef LAZYMM_CLI_H
#define LAZYMM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../model/model.h"
#include "../model/lazy/lazy.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

/* Print "lazymm CMD: message", then the command's usage, and exit 2. */
void usage_error(const char *cmd, void (*usage)(FILE *), const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* Strict number parsing: the whole string, within [min, max]. */
uint64_t parse_u64(const char *cmd, void (*usage)(FILE *), const char *opt,
		   const char *val, uint64_t min, uint64_t max);
double parse_double(const char *cmd, void (*usage)(FILE *), const char *opt,
		    const char *val, double min, double max);
const struct lazy_tlb_ops *parse_scheme(const char *cmd, void (*usage)(FILE *), const char *val);
void parse_mutant(const char *cmd, void (*usage)(FILE *), const struct lazy_tlb_ops *ops,
		  const char *val);
/* The value of an option that takes one: exits 2 if it is missing. */
const char *opt_value(const char *cmd, void (*usage)(FILE *), int argc, char **argv, int *i);
void list_schemes(FILE *out);

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
};
struct torture_result {
	uint64_t violations;
	uint64_t per_inv[INV_NR];
	uint64_t switches;
	double elapsed;
	double first_violation_s;     /* -1 if none */
	bool hung;
};
int torture_run(const struct torture_params *p, struct torture_result *r, FILE *out);
int cmd_torture(int argc, char **argv);

/* scenario.c */
int cmd_scenario(int argc, char **argv);
struct scenario_result { int violations; bool passed; const char *why; };
int scenario_count(void);
const char *scenario_name(int i);
int scenario_run_by_index(int i, const struct lazy_tlb_ops *ops, const char *mutant,
			  bool quiet, struct scenario_result *res);

/* mutants.c */
int cmd_mutants(int argc, char **argv);

/* litmus.c */
long litmus_lazy_return(const struct lazy_tlb_ops *ops, const char *mutant, long rounds, bool quiet);
int cmd_litmus(int argc, char **argv);

/* bench.c */
int cmd_bench(int argc, char **argv);

#endif /* LAZYMM_CLI_H */
