/*
 * mutants.c - `lazymm mutants`: the deliberately broken variants, and the
 * matrix that proves every check can fail.
 *
 * For each mutant, the checks run from the cheapest to the most expensive
 * until one catches it: the deterministic scenarios, a torture run, the
 * litmus stress test.  A mutant no check catches "survives" and fails the
 * matrix.  Every correct scheme runs the same checks and must show no
 * violation at all (the negative side of the same matrix).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct check_outcome {
	const char *caught_by;     /* NULL: survived */
	double seconds;
	int violations;
};

static double now_s(void)
{
	return (double)lm_now_ns() / 1e9;
}

static struct torture_params torture_defaults(const struct lazy_tlb_ops *ops, const char *mutant,
					      double seconds)
{
	struct torture_params p = {
		.ops = ops, .mutant = mutant, .cpus = 2, .seconds = seconds, .seed = 1,
		.flush_mode = FLUSH_IPI, .ipi_mode = IPI_SIGNAL, .quiet = true,
		/* a correct scheme's violation is a bug: show it in full */
		.max_reports = mutant ? -1 : 2,
	};
#if defined(LAZYMM_TSAN)
	p.ipi_mode = IPI_POLL;
#endif
	return p;
}

/* Run the checks on (ops, mutant); stop at the first that sees a violation
 * when stop_early.  Returns the outcome. */
static struct check_outcome run_checks(const struct lazy_tlb_ops *ops, const char *mutant,
				       double torture_s, long litmus_rounds, bool stop_early)
{
	static char which[128];
	struct check_outcome o = { NULL, 0, 0 };
	double t0 = now_s();

	for (int i = 0; i < scenario_count(); i++) {
		struct scenario_result r;

		if (scenario_run_by_index(i, ops, mutant, true, &r) != 0)
			continue;
		if (!r.passed) {
			o.violations += r.violations ? r.violations : 1;
			if (!o.caught_by) {
				snprintf(which, sizeof(which), "scenario %s", scenario_name(i));
				o.caught_by = which;
			}
			if (stop_early)
				goto out;
		}
	}
	{
		struct torture_params p = torture_defaults(ops, mutant, torture_s);
		struct torture_result r;

		if (torture_run(&p, &r, stdout) == 0 && r.violations) {
			int n = 0;

			o.violations += (int)r.violations;
			if (!o.caught_by) {
				n = snprintf(which, sizeof(which), "torture (%.2f s in:", r.first_violation_s);
				for (int k = 0; k < INV_NR && n < (int)sizeof(which) - 24; k++)
					if (r.per_inv[k])
						n += snprintf(which + n, sizeof(which) - (size_t)n, " %s", lm_invariant_names[k]);
				snprintf(which + n, sizeof(which) - (size_t)n, ")");
				o.caught_by = which;
			}
			if (stop_early)
				goto out;
		}
	}
	{
		long f = litmus_lazy_return(ops, mutant, litmus_rounds, true);

		if (f != 0) {
			o.violations += f > 0 ? (int)f : 1;
			if (!o.caught_by) {
				snprintf(which, sizeof(which), "litmus lazy-return (%ld forbidden)", f);
				o.caught_by = which;
			}
		}
	}
out:
	o.seconds = now_s() - t0;
	return o;
}

static void mutants_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm mutants [--check] [--seconds S] [--rounds N]\n"
		"  (no option)    list every mutant with the check expected to catch it\n"
		"  --check        run the matrix: each mutant must be caught, each correct\n"
		"                 scheme must show no violation; exit 1 otherwise\n"
		"  --seconds S    torture time per run in the matrix, 0.1..600 (default 3)\n"
		"  --rounds N     litmus rounds per run, 1000..100000000 (default 300000)\n");
}

int cmd_mutants(int argc, char **argv)
{
	const char *C = "mutants";
	bool check = false;
	double secs = 3;
	long rounds = 300000;
	int survived = 0, dirty = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			mutants_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "--seconds")) {
			secs = parse_double(C, mutants_usage, a, opt_value(C, mutants_usage, argc, argv, &i), 0.1, 600);
		} else if (!strcmp(a, "--rounds")) {
			rounds = (long)parse_u64(C, mutants_usage, a, opt_value(C, mutants_usage, argc, argv, &i), 1000, 100000000);
		} else {
			usage_error(C, mutants_usage, "unknown option '%s'", a);
		}
	}
	if (!check) {
		for (int s = 0; lazy_schemes[s]; s++)
			for (const struct lazy_mutant *m = lazy_schemes[s]->mutants; m && m->name; m++)
				printf("  %-10s %-24s %s\n  %-10s %-24s caught by: %s\n",
				       lazy_schemes[s]->name, m->name, m->desc, "", "", m->caught_by);
		return EXIT_OK;
	}

	printf("%-10s %-24s %-8s %-44s %8s\n", "scheme", "mutant", "verdict", "caught by", "time");
	for (int s = 0; lazy_schemes[s]; s++) {
		const struct lazy_tlb_ops *ops = lazy_schemes[s];

		for (const struct lazy_mutant *m = ops->mutants; m && m->name; m++) {
			struct check_outcome o = run_checks(ops, m->name, secs, rounds, true);

			if (!o.caught_by)
				survived++;
			printf("%-10s %-24s %-8s %-44s %7.2fs\n", ops->name, m->name,
			       o.caught_by ? "caught" : "SURVIVED", o.caught_by ? o.caught_by : "-", o.seconds);
		}
	}
	for (int s = 0; lazy_schemes[s]; s++) {
		const struct lazy_tlb_ops *ops = lazy_schemes[s];
		struct check_outcome o;

		if (!lazy_safe(ops))
			continue;
		o = run_checks(ops, NULL, secs, rounds, false);
		if (o.caught_by)
			dirty++;
		printf("%-10s %-24s %-8s %-44s %7.2fs\n", ops->name, "(as designed)",
		       o.caught_by ? "UNSAFE" : "clean", o.caught_by ? o.caught_by : "no violation in any check",
		       o.seconds);
	}
	printf("%d mutant(s) survived, %d correct scheme(s) with violations\n", survived, dirty);
	return survived || dirty ? EXIT_VIOLATION : EXIT_OK;
}
