/*
 * scenario-main.c - the `scenario` test program: run one scenario, or all
 * of them against a scheme (`lazymm scenario` runs this program).
 */
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static void scenario_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm scenario NAME [--scheme NAME] [--mutant NAME]\n"
		"       lazymm scenario --all [--scheme NAME]\n"
		"       lazymm scenario --list\n"
		"  NAME            a scenario from --list\n"
		"  --scheme NAME   lazy-mm tracking scheme (default refcount)\n"
		"  --mutant NAME   a broken variant of the scheme\n"
		"  --all           run every scenario; exit 0 only if each one's outcome is the\n"
		"                  expected one for the scheme: no violation for a correct\n"
		"                  scheme; for 'none', a violation exactly in the scenarios\n"
		"                  that can expose a missing lazy reference\n"
		"Exit status: 0 pass, 1 violations (or unexpected outcome with --all), 2 usage.\n");
}

enum { S_LIST, S_ALL, S_SCHEME, S_MUTANT };

static const struct cli_opt scenario_opts[] = {
	{ "--list", NULL, false, S_LIST },
	{ "--all", NULL, false, S_ALL },
	{ "--scheme", NULL, true, S_SCHEME },
	{ "--mutant", NULL, true, S_MUTANT },
	{ NULL, NULL, false, 0 },
};

struct scenario_args {
	const char *name, *mutant;
	const struct lazy_tlb_ops *ops;
	bool all;
};

static void scenario_opt(void *st, int id, const char *opt, const char *val)
{
	struct scenario_args *a = st;

	(void)opt;
	switch (id) {
	case S_LIST:
		for (int k = 0; k < nr_scenarios; k++)
			printf("  %-22s %s%s\n", scenarios[k].name, scenarios[k].desc,
			       scenarios[k].exposes ? " [fails with none]" : "");
		exit(EXIT_OK);
	case S_ALL:
		a->all = true;
		break;
	case S_SCHEME:
		a->ops = cli_scheme(&cli_scenario, val);
		break;
	case S_MUTANT:
		a->mutant = val;
		break;
	case CLI_ARG:
		if (a->name)
			cli_usage_error(&cli_scenario, "only one scenario name may be given ('%s', '%s')",
					a->name, val);
		a->name = val;
		break;
	}
}

static int cmd_scenario(int argc, char **argv)
{
	struct scenario_args a = { NULL, NULL, lazy_find("refcount"), false };
	const struct cli_cmd *C = &cli_scenario;
	const char *name, *mutant;
	const struct lazy_tlb_ops *ops;
	bool all;
	int idx = -1;

	cli_parse(C, scenario_opts, true, argc, argv, scenario_opt, &a);
	name = a.name;
	mutant = a.mutant;
	ops = a.ops;
	all = a.all;
	if (mutant)
		cli_mutant(C, ops, mutant);
	if (all && name)
		cli_usage_error(C, "give a scenario name or --all, not both");
	if (all && mutant)
		cli_usage_error(C, "--all checks a scheme as designed; for mutants use 'lazymm mutants --check'");
	if (!all && !name)
		cli_usage_error(C, "a scenario name (see --list) or --all is required");
	if (name) {
		for (int k = 0; k < nr_scenarios; k++)
			if (!strcmp(scenarios[k].name, name))
				idx = k;
		if (idx < 0)
			cli_usage_error(C, "unknown scenario '%s'; see 'lazymm scenario --list'", name);
	}
	if (all) {
		int unexpected = 0;

		for (int k = 0; k < nr_scenarios; k++) {
			struct scenario_result r;
			bool expect_fail = !lazy_safe(ops) && scenarios[k].exposes;
			bool ok;

			if (scenario_run_by_index(k, ops, NULL, true, &r) != 0)
				return EXIT_ERROR;
			ok = expect_fail ? !r.passed && r.violations > 0 : r.passed;
			if (!ok)
				unexpected++;
			printf("%-4s %-22s %-10s %s (%d violation(s))%s\n", ok ? "ok" : "BAD",
			       scenarios[k].name, ops->name, r.passed ? "PASS" : "FAIL", r.violations,
			       expect_fail ? ", expected to fail" : "");
		}
		printf("%d scenario(s), %d unexpected outcome(s)\n", nr_scenarios, unexpected);
		return unexpected ? EXIT_VIOLATION : EXIT_OK;
	} else {
		struct scenario_result r;

		printf("scenario %s: %s\n", scenarios[idx].name, scenarios[idx].desc);
		if (scenario_run_by_index(idx, ops, mutant, false, &r) != 0)
			return EXIT_ERROR;
		printf("%s: %s, scheme %s%s%s: %s (%d violation(s))\n", r.passed ? "PASS" : "FAIL",
		       scenarios[idx].name, ops->name, mutant ? ", mutant " : "", mutant ? mutant : "",
		       r.why, r.violations);
		return r.passed ? EXIT_OK : EXIT_VIOLATION;
	}
}

const struct cli_cmd cli_scenario = {
	"scenario", "deterministic interleavings (scenario --list)", cmd_scenario, scenario_usage,
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	argv[0] = (char *)"scenario";
	return cli_scenario.main(argc, argv);
}
