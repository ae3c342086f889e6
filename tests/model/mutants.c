/*
 * mutants.c - the `mutants` test program (`lazymm mutants`): the
 * deliberately broken variants, and the matrix that proves every check can
 * fail.
 *
 * For each mutant, the checks run from the cheapest to the most expensive
 * until one catches it: the deterministic scenarios, a torture run, the
 * litmus stress test.  A mutant no check catches "survives" and fails the
 * matrix.  Every correct scheme runs the same checks and must show no
 * violation at all (the negative side of the same matrix).
 */
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

struct check_outcome {
	const char *caught_by;     /* NULL: survived */
	const char *error;         /* a check that did not run, or gave no verdict */
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
	static char which[128], err[128];
	struct check_outcome o = { NULL, NULL, 0, 0 };
	double t0 = now_s();

	/* A check that could not run, or judged too little, is an error of
	 * the matrix, never a silent "no violation" (nor a catch). */
	for (int i = 0; i < scenario_count(); i++) {
		struct scenario_result r;

		if (scenario_run_by_index(i, ops, mutant, true, &r) != 0) {
			snprintf(err, sizeof(err), "scenario %s did not run", scenario_name(i));
			o.error = err;
			goto out;
		}
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

		if (torture_run(&p, &r, stdout) != 0) {
			snprintf(err, sizeof(err), "torture did not run");
			o.error = err;
			goto out;
		}
		if (r.violations) {
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
		/* a correct scheme's forbidden outcome is a bug: show it in full */
		long judged = 0;
		long f = litmus_lazy_return(ops, mutant, litmus_rounds, mutant != NULL, &judged);

		if (f == 0 && judged < (litmus_rounds < 1000 ? litmus_rounds : 1000)) {
			snprintf(err, sizeof(err), "litmus: no verdict (%ld rounds judged)", judged);
			o.error = err;
		} else if (f != 0) {
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
		"usage: lazymm mutants [--check] [--scheme NAME] [--seconds S] [--rounds N]\n"
		"  (no option)    list every mutant with the check expected to catch it\n"
		"  --check        run the matrix: each mutant must be caught, each correct\n"
		"                 scheme must show no violation; exit 1 otherwise\n"
		"  --scheme NAME  only this scheme's mutants and, if it is correct, its\n"
		"                 clean run (make check runs one matrix per scheme, so\n"
		"                 that each stays well inside the per-test bound on a\n"
		"                 loaded host)\n"
		"  --seconds S    torture time per run in the matrix, 0.1..600 (default 3)\n"
		"  --rounds N     litmus rounds per run, 1000..100000000 (default 300000)\n");
}

enum { M_CHECK, M_SCHEME, M_SECONDS, M_ROUNDS };

static const struct cli_opt mutants_opts[] = {
	{ "--check", NULL, false, M_CHECK },
	{ "--scheme", NULL, true, M_SCHEME },
	{ "--seconds", NULL, true, M_SECONDS },
	{ "--rounds", NULL, true, M_ROUNDS },
	{ NULL, NULL, false, 0 },
};

struct mutants_args {
	bool check;
	const struct lazy_tlb_ops *only;   /* --scheme: NULL for all */
	double secs;
	long rounds;
};

static void mutants_opt(void *st, int id, const char *opt, const char *val)
{
	struct mutants_args *a = st;

	if (id == M_CHECK)
		a->check = true;
	else if (id == M_SCHEME)
		a->only = cli_scheme(&cli_mutants, val);
	else if (id == M_SECONDS)
		a->secs = cli_double(&cli_mutants, opt, val, 0.1, 600);
	else if (id == M_ROUNDS)
		a->rounds = (long)cli_u64(&cli_mutants, opt, val, 1000, 100000000);
}

static int cmd_mutants(int argc, char **argv)
{
	struct mutants_args a = { false, NULL, 3, 300000 };
	bool check;
	double secs;
	long rounds;
	int survived = 0, dirty = 0, errors = 0;

	cli_parse(&cli_mutants, mutants_opts, false, argc, argv, mutants_opt, &a);
	if (a.only && !lazy_safe(a.only) && !(a.only->mutants && a.only->mutants->name))
		cli_usage_error(&cli_mutants, "--scheme %s: it has no mutants and no clean run: nothing to check",
				a.only->name);
	check = a.check;
	secs = a.secs;
	rounds = a.rounds;
	if (!check) {
		for (int s = 0; lazy_schemes[s]; s++)
			if (!a.only || lazy_schemes[s] == a.only)
				for (const struct lazy_mutant *m = lazy_schemes[s]->mutants; m && m->name; m++)
					printf("  %-10s %-24s %s\n  %-10s %-24s caught by: %s\n",
					       lazy_schemes[s]->name, m->name, m->desc, "", "", m->caught_by);
		return EXIT_OK;
	}

	printf("%-10s %-24s %-8s %-44s %8s\n", "scheme", "mutant", "verdict", "caught by", "time");
	for (int s = 0; lazy_schemes[s]; s++) {
		const struct lazy_tlb_ops *ops = lazy_schemes[s];

		if (a.only && ops != a.only)
			continue;
		for (const struct lazy_mutant *m = ops->mutants; m && m->name; m++) {
			struct check_outcome o = run_checks(ops, m->name, secs, rounds, true);

			if (o.error && !o.caught_by)
				errors++;
			else if (!o.caught_by)
				survived++;
			printf("%-10s %-24s %-8s %-44s %7.2fs\n", ops->name, m->name,
			       o.caught_by ? "caught" : o.error ? "ERROR" : "SURVIVED",
			       o.caught_by ? o.caught_by : o.error ? o.error : "-", o.seconds);
		}
	}
	for (int s = 0; lazy_schemes[s]; s++) {
		const struct lazy_tlb_ops *ops = lazy_schemes[s];
		struct check_outcome o;

		if (!lazy_safe(ops) || (a.only && ops != a.only))
			continue;
		o = run_checks(ops, NULL, secs, rounds, false);
		if (o.caught_by)
			dirty++;
		else if (o.error)
			errors++;
		printf("%-10s %-24s %-8s %-44s %7.2fs\n", ops->name, "(as designed)",
		       o.caught_by ? "UNSAFE" : o.error ? "ERROR" : "clean",
		       o.caught_by ? o.caught_by : o.error ? o.error : "no violation in any check",
		       o.seconds);
	}
	printf("%d mutant(s) survived, %d correct scheme(s) with violations, %d check(s) without a verdict\n",
	       survived, dirty, errors);
	return survived || dirty || errors ? EXIT_VIOLATION : EXIT_OK;
}

const struct cli_cmd cli_mutants = {
	"mutants", "list the deliberately broken variants; --check runs the matrix",
	cmd_mutants, mutants_usage,
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	argv[0] = (char *)"mutants";
	return cli_mutants.main(argc, argv);
}
