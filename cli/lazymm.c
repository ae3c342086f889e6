/*
 * lazymm - run the lazy-TLB model: torture, scenarios, mutants, benchmarks.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  torture    random fork/exit/exec/kthread/ping-pong mix on N CPUs, with checkers\n"
		"  scenario   deterministic interleavings (scenario --list)\n"
		"  mutants    list the deliberately broken variants; --check runs the matrix\n"
		"  litmus     store-buffering stress test of the lazy-return handshake\n"
		"  bench      the RFC's experiment for every scheme, side by side\n"
		"  predict    simulate the benchmark on machines we do not have (docs/predict.md)\n"
		"  schemes    list the lazy-mm tracking schemes\n"
		"\n"
		"Run 'lazymm COMMAND --help' for a command's options.\n");
}

void usage_error(const char *cmd, void (*usage)(FILE *), const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lazymm%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (usage)
		usage(stderr);
	exit(EXIT_USAGE);
}

uint64_t parse_u64(const char *cmd, void (*usage)(FILE *), const char *opt,
		   const char *val, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!val || !*val || *val == '-' || *val == '+')
		usage_error(cmd, usage, "%s: '%s' is not a number; accepted: %llu..%llu",
			    opt, val ? val : "", (unsigned long long)min, (unsigned long long)max);
	v = strtoull(val, &end, 10);
	if (errno || *end)
		usage_error(cmd, usage, "%s: '%s' is not a number; accepted: %llu..%llu",
			    opt, val, (unsigned long long)min, (unsigned long long)max);
	if (v < min || v > max)
		usage_error(cmd, usage, "%s: %llu is out of range; accepted: %llu..%llu",
			    opt, v, (unsigned long long)min, (unsigned long long)max);
	return v;
}

double parse_double(const char *cmd, void (*usage)(FILE *), const char *opt,
		    const char *val, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	if (!val || !*val)
		usage_error(cmd, usage, "%s: a value is required; accepted: %g..%g", opt, min, max);
	v = strtod(val, &end);
	if (errno || *end || isnan(v))
		usage_error(cmd, usage, "%s: '%s' is not a number; accepted: %g..%g", opt, val, min, max);
	if (v < min || v > max)
		usage_error(cmd, usage, "%s: %s is out of range; accepted: %g..%g", opt, val, min, max);
	return v;
}

void list_schemes(FILE *out)
{
	for (int i = 0; lazy_schemes[i]; i++)
		fprintf(out, "  %-10s %s\n", lazy_schemes[i]->name, lazy_schemes[i]->desc);
}

static void scheme_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; lazy_schemes[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", lazy_schemes[i]->name);
}

const struct lazy_tlb_ops *parse_scheme(const char *cmd, void (*usage)(FILE *), const char *val)
{
	const struct lazy_tlb_ops *ops = lazy_find(val);
	char names[256];

	if (!ops) {
		scheme_names(names, sizeof(names));
		usage_error(cmd, usage, "--scheme: unknown scheme '%s'; accepted: %s", val, names);
	}
	return ops;
}

void parse_mutant(const char *cmd, void (*usage)(FILE *), const struct lazy_tlb_ops *ops,
		  const char *val)
{
	char names[512];
	size_t n = 0;

	if (lazy_find_mutant(ops, val))
		return;
	names[0] = 0;
	for (const struct lazy_mutant *m = ops->mutants; m && m->name; m++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", m->name);
	usage_error(cmd, usage, "--mutant: scheme '%s' has no mutant '%s'; accepted: %s",
		    ops->name, val, n ? names : "(none: this scheme has no mutants)");
}

const char *opt_value(const char *cmd, void (*usage)(FILE *), int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage_error(cmd, usage, "%s: a value is required", argv[*i]);
	return argv[++*i];
}

int main(int argc, char **argv)
{
	const char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage_error(NULL, main_usage, "a command is required");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "torture"))
		return cmd_torture(argc - 1, argv + 1);
	if (!strcmp(cmd, "scenario"))
		return cmd_scenario(argc - 1, argv + 1);
	if (!strcmp(cmd, "mutants"))
		return cmd_mutants(argc - 1, argv + 1);
	if (!strcmp(cmd, "litmus"))
		return cmd_litmus(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(cmd, "predict")) { int cmd_predict(int, char **); return cmd_predict(argc - 1, argv + 1); }
	if (!strcmp(cmd, "schemes")) {
		if (argc > 2)
			usage_error("schemes", main_usage, "takes no options (got '%s')", argv[2]);
		list_schemes(stdout);
		return EXIT_OK;
	}
	usage_error(NULL, main_usage, "unknown command '%s'; accepted: torture, scenario, mutants, litmus, bench, schemes", cmd);
}
