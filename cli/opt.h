/*
 * opt.h - the one option parser of the lazymm command line (and of the
 * test programs that share its commands' options).
 *
 * A command is a struct cli_cmd; its options are a table of struct
 * cli_opt.  cli_parse() walks argv once: --help/-h print the command's
 * usage and exit 0; an unknown option, a missing value or a bad value
 * prints "lazymm CMD: what was wrong; what is accepted", then the usage,
 * and exits 2.
 */
#ifndef LAZYMM_CLI_OPT_H
#define LAZYMM_CLI_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct lazy_tlb_ops;

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

struct cli_cmd {
	const char *name;                        /* "torture" */
	const char *summary;                     /* one line, for lazymm --help */
	int (*main)(int argc, char **argv);      /* argv[0] is the command name */
	void (*usage)(FILE *out);
};

struct cli_opt {
	const char *name;                        /* "--seconds" */
	const char *alias;                       /* "-s", or NULL */
	bool value;                              /* takes a value (the next argument) */
	int id;                                  /* what the callback gets */
};
#define CLI_ARG (-1)                             /* a positional argument */

/*
 * Parse argv[1..argc): for each option of opts (a table ending with a NULL
 * name), fn(st, id, option, value or NULL); for each other argument that
 * does not start with '-', fn(st, CLI_ARG, NULL, arg) if positional, else
 * it is refused like an unknown option.
 */
void cli_parse(const struct cli_cmd *cmd, const struct cli_opt *opts, bool positional,
	       int argc, char **argv, void (*fn)(void *st, int id, const char *opt, const char *val),
	       void *st);

/* Print "lazymm CMD: message", then the command's usage, and exit 2. */
void cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Values, checked strictly (the whole string, within range); exit 2 if bad. */
uint64_t cli_u64(const struct cli_cmd *cmd, const char *opt, const char *val,
		 uint64_t min, uint64_t max);
double cli_double(const struct cli_cmd *cmd, const char *opt, const char *val,
		  double min, double max);
/* The index of val in choices (NULL-terminated). */
int cli_choice(const struct cli_cmd *cmd, const char *opt, const char *val,
	       const char *const *choices);
const struct lazy_tlb_ops *cli_scheme(const struct cli_cmd *cmd, const char *val);
void cli_mutant(const struct cli_cmd *cmd, const struct lazy_tlb_ops *ops, const char *val);
void cli_list_schemes(FILE *out);

#endif /* LAZYMM_CLI_OPT_H */
