/*
 * opt.c - the command line's option parser and value checks (opt.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "../model/lazy/lazy.h"

void cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lazymm%s%s: ", cmd && cmd->name ? " " : "", cmd && cmd->name ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd && cmd->usage)
		cmd->usage(stderr);
	exit(EXIT_USAGE);
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *a)
{
	for (const struct cli_opt *o = opts; o && o->name; o++)
		if (!strcmp(a, o->name) || (o->alias && !strcmp(a, o->alias)))
			return o;
	return NULL;
}

void cli_parse(const struct cli_cmd *cmd, const struct cli_opt *opts, bool positional,
	       int argc, char **argv, void (*fn)(void *st, int id, const char *opt, const char *val),
	       void *st)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_opt *o;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cmd->usage(stdout);
			exit(EXIT_OK);
		}
		o = find_opt(opts, a);
		if (!o) {
			if (!positional || a[0] == '-')
				cli_usage_error(cmd, "unknown option '%s'", a);
			fn(st, CLI_ARG, NULL, a);
			continue;
		}
		if (!o->value) {
			fn(st, o->id, a, NULL);
			continue;
		}
		if (i + 1 >= argc)
			cli_usage_error(cmd, "%s: a value is required", a);
		fn(st, o->id, a, argv[++i]);
	}
}

uint64_t cli_u64(const struct cli_cmd *cmd, const char *opt, const char *val,
		 uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!val || !*val || *val == '-' || *val == '+')
		cli_usage_error(cmd, "%s: '%s' is not a number; accepted: %llu..%llu",
				opt, val ? val : "", (unsigned long long)min, (unsigned long long)max);
	v = strtoull(val, &end, 10);
	if (errno || *end)
		cli_usage_error(cmd, "%s: '%s' is not a number; accepted: %llu..%llu",
				opt, val, (unsigned long long)min, (unsigned long long)max);
	if (v < min || v > max)
		cli_usage_error(cmd, "%s: %llu is out of range; accepted: %llu..%llu",
				opt, v, (unsigned long long)min, (unsigned long long)max);
	return v;
}

double cli_double(const struct cli_cmd *cmd, const char *opt, const char *val,
		  double min, double max)
{
	char *end;
	double v;

	errno = 0;
	if (!val || !*val)
		cli_usage_error(cmd, "%s: a value is required; accepted: %g..%g", opt, min, max);
	v = strtod(val, &end);
	if (errno || *end || isnan(v))
		cli_usage_error(cmd, "%s: '%s' is not a number; accepted: %g..%g", opt, val, min, max);
	if (v < min || v > max)
		cli_usage_error(cmd, "%s: %s is out of range; accepted: %g..%g", opt, val, min, max);
	return v;
}

int cli_choice(const struct cli_cmd *cmd, const char *opt, const char *val,
	       const char *const *choices)
{
	char names[256];
	size_t n = 0;

	for (int i = 0; choices[i]; i++)
		if (!strcmp(val, choices[i]))
			return i;
	names[0] = 0;
	for (int i = 0; choices[i] && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", choices[i]);
	cli_usage_error(cmd, "%s: '%s' is not accepted; accepted: %s", opt, val, names);
}

void cli_list_schemes(FILE *out)
{
	for (int i = 0; lazy_schemes[i]; i++)
		fprintf(out, "  %-10s %s\n", lazy_schemes[i]->name, lazy_schemes[i]->desc);
}

const struct lazy_tlb_ops *cli_scheme(const struct cli_cmd *cmd, const char *val)
{
	const struct lazy_tlb_ops *ops = lazy_find(val);
	char names[256];
	size_t n = 0;

	if (ops)
		return ops;
	names[0] = 0;
	for (int i = 0; lazy_schemes[i] && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", lazy_schemes[i]->name);
	cli_usage_error(cmd, "--scheme: unknown scheme '%s'; accepted: %s", val, names);
}

void cli_mutant(const struct cli_cmd *cmd, const struct lazy_tlb_ops *ops, const char *val)
{
	char names[512];
	size_t n = 0;

	if (lazy_find_mutant(ops, val))
		return;
	names[0] = 0;
	for (const struct lazy_mutant *m = ops->mutants; m && m->name && n < sizeof(names); m++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", m->name);
	cli_usage_error(cmd, "--mutant: scheme '%s' has no mutant '%s'; accepted: %s",
			ops->name, val, n ? names : "(none: this scheme has no mutants)");
}
