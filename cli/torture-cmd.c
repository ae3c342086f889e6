/*
 * torture-cmd.c - the `lazymm torture` command: its options, and the
 * report of torture_run() (torture.c).
 */
#include "cli.h"

static void torture_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm torture [--scheme NAME] [--mutant NAME] [--cpus N] [--seconds S]\n"
		"                      [--seed X] [--flush ipi|broadcast] [--ipi signal|poll]\n"
		"                      [--hotplug]\n"
		"  --scheme NAME   lazy-mm tracking scheme (default refcount; 'lazymm schemes')\n"
		"  --mutant NAME   a deliberately broken variant of the scheme ('lazymm mutants')\n"
		"  --cpus N        simulated CPUs, 1..%d (default 2); more than the host's cores\n"
		"                  runs oversubscribed and unpinned, and says so\n"
		"  --seconds S     duration, 0.1..86400 (default 10)\n"
		"  --seed X        seed of the workload's random choices (default 1)\n"
		"  --flush MODE    ipi: bare-metal x86 (freed_tables flushes IPI lazy CPUs);\n"
		"                  broadcast: INVLPGB/PV-like, no IPIs, lazy CPUs keep the mm\n"
		"  --ipi MODE      signal: IPIs interrupt anywhere irqs are on (default);\n"
		"                  poll: delivered only at irq-enable points and waits\n"
		"  --hotplug       CPUs other than 0 go offline and come back all the time\n"
		"                  (take_cpu_down, the offline window, idle_task_exit,\n"
		"                  finish_cpu, bring-up); needs --cpus 2 or more\n"
		"Exit status: 0 with no violation and nothing leaked; 1 otherwise; 2 bad usage.\n",
		NR_CPUS_MAX);
}

enum { T_SCHEME, T_MUTANT, T_CPUS, T_SECONDS, T_SEED, T_FLUSH, T_IPI, T_HOTPLUG };

static const struct cli_opt torture_opts[] = {
	{ "--scheme", NULL, true, T_SCHEME },
	{ "--mutant", NULL, true, T_MUTANT },
	{ "--cpus", NULL, true, T_CPUS },
	{ "--seconds", NULL, true, T_SECONDS },
	{ "--seed", NULL, true, T_SEED },
	{ "--flush", NULL, true, T_FLUSH },
	{ "--ipi", NULL, true, T_IPI },
	{ "--hotplug", NULL, false, T_HOTPLUG },
	{ NULL, NULL, false, 0 },
};

static void torture_opt(void *st, int id, const char *opt, const char *val)
{
	static const char *const flushes[] = { "ipi", "broadcast", NULL };
	static const char *const ipis[] = { "signal", "poll", NULL };
	struct torture_params *p = st;
	const struct cli_cmd *C = &cli_torture;

	switch (id) {
	case T_SCHEME:
		p->ops = cli_scheme(C, val);
		break;
	case T_MUTANT:
		p->mutant = val;
		break;
	case T_CPUS:
		p->cpus = (int)cli_u64(C, opt, val, 1, NR_CPUS_MAX);
		break;
	case T_SECONDS:
		p->seconds = cli_double(C, opt, val, 0.1, 86400);
		break;
	case T_SEED:
		p->seed = cli_u64(C, opt, val, 0, UINT64_MAX);
		break;
	case T_FLUSH:
		p->flush_mode = cli_choice(C, opt, val, flushes) ? FLUSH_BROADCAST : FLUSH_IPI;
		break;
	case T_IPI:
		p->ipi_mode = cli_choice(C, opt, val, ipis) ? IPI_POLL : IPI_SIGNAL;
		break;
	case T_HOTPLUG:
		p->hotplug = true;
		break;
	}
}

static int cmd_torture(int argc, char **argv)
{
	struct torture_params p = {
		.ops = lazy_find("refcount"), .cpus = 2, .seconds = 10, .seed = 1,
		.flush_mode = FLUSH_IPI, .ipi_mode = IPI_SIGNAL,
	};
	struct torture_result r;

#if defined(LAZYMM_TSAN)
	p.ipi_mode = IPI_POLL;      /* TSAN defers signals to its own safe points */
#endif
	cli_parse(&cli_torture, torture_opts, false, argc, argv, torture_opt, &p);
	if (p.hotplug && p.cpus < 2)
		cli_usage_error(&cli_torture, "--hotplug needs --cpus 2 or more (CPU 0 stays online)");
	if (p.mutant)
		cli_mutant(&cli_torture, p.ops, p.mutant);
	if (torture_run(&p, &r, stdout) != 0)
		return EXIT_ERROR;
	printf("result: %llu context switches in %.2f s (%.0f/s), %llu violation(s)",
	       (unsigned long long)r.switches, r.elapsed, (double)r.switches / r.elapsed,
	       (unsigned long long)r.violations);
	if (r.first_violation_s >= 0)
		printf(", first after %.3f s", r.first_violation_s);
	if (p.hotplug)
		printf(", %llu hotplug cycles", (unsigned long long)r.hotplug_cycles);
	printf("\n");
	for (int i = 0; i < INV_NR; i++)
		if (r.per_inv[i])
			printf("  %-22s %llu\n", lm_invariant_names[i], (unsigned long long)r.per_inv[i]);
	printf("%s\n", r.violations ? "FAILURE" : "SUCCESS");
	return r.violations ? EXIT_VIOLATION : EXIT_OK;
}

const struct cli_cmd cli_torture = {
	"torture", "random fork/exit/exec/kthread/ping-pong mix on N CPUs, with checkers",
	cmd_torture, torture_usage,
};
