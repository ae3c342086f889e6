/*
 * options.c - `lazymm bench`'s options: defaults, parsing (the shared
 * parser, cli/opt.h), and the checks that need several options together.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "../common/list.h"

#define DEF_SECONDS   0.2    /* 7 schemes x 70 points x 5 rounds < 3 min */
#define DEF_ROUNDS    5
#define DEF_WARMUP    0.08
#define QUICK_SECONDS 0.06
#define QUICK_ROUNDS  2
#define QUICK_WARMUP  0.02

void bench_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm bench [--workload LIST] [--mode LIST] [--schemes LIST] [-t|--tasks LIST]\n"
		"                    [-s|--seconds S] [--rounds N] [--warmup S] [--seed X]\n"
		"                    [--switch-work auto|NS] [--delay NS] [--cpus N] [--exit-map yes|no]\n"
		"                    [--hotplug yes|no]\n"
		"                    [--csv | --json] [--out PREFIX] [--plot FILE.png] [--no-plot] [--quick]\n"
		"  --workload LIST   idle_cycle, context_switch1, exit, tlb_flush, or all\n"
		"                    (default: idle_cycle,context_switch1,exit)\n"
		"  --mode LIST       threads (one shared mm), processes (an mm per task: the\n"
		"                    control), or both (default both)\n"
		"  --schemes LIST    lazy-mm schemes (default: all five; 'lazymm schemes')\n"
		"  --tasks LIST      task counts, e.g. 1,2,3 (default per workload: 1 .. all CPUs\n"
		"                    busy, plus one oversubscribed point; exit: K = 0 .. CPUs-1)\n"
		"  --seconds S       length of each counted sample (default %g; --quick %g)\n"
		"  --rounds N        samples per scheme, interleaved A B C.. A B C.. (default %d)\n"
		"  --warmup S        warm-up before each sample (default %g)\n"
		"  --seed X          seed of the simulated machine (default 1)\n"
		"  --switch-work W   work added to each simulated context switch: 'auto' (default)\n"
		"                    measures a real switch on this machine (pipe ping-pong), 0 shows\n"
		"                    the raw model, NS adds that many nanoseconds\n"
		"  --delay NS        idle_cycle/tlb_flush: model-timer sleep per cycle (default 0:\n"
		"                    the task is woken at its CPU's next timer tick)\n"
		"  --cpus N          simulated CPUs (default: this machine's cores, at most %d)\n"
		"  --exit-map yes|no exit: the dying process maps memory, so exit_mmap() flushes\n"
		"                    and evicts lazy CPUs first (default yes)\n"
		"  --hotplug yes|no  CPUs other than 0 go offline and come back throughout each\n"
		"                    sample (default no): a stress of the offline window with the\n"
		"                    benchmark's workloads, not a measurement\n"
		"  --csv, --json     print CSV or JSON instead of the table\n"
		"  --out PREFIX      also write PREFIX.txt, PREFIX.csv, PREFIX.json, PREFIX.png\n"
		"  --plot FILE.png   draw speedup over refcount against tasks (gnuplot)\n"
		"  --no-plot         with --out: no PREFIX.png\n"
		"  --quick           smoke run: %d rounds of %g s samples\n"
		"  --mutant NAME     run the schemes that have it as this deliberately broken\n"
		"                    variant ('lazymm mutants'): the run must fail (tests)\n"
		"Exit status: 0 done; 1 a safe scheme reported a violation (or hung); 2 bad usage;\n"
		"3 a file could not be written or gnuplot is missing for a requested figure.\n",
		DEF_SECONDS, QUICK_SECONDS, DEF_ROUNDS, DEF_WARMUP, NR_CPUS_MAX,
		QUICK_ROUNDS, QUICK_SECONDS);
}

/* ---- option parsing ---- */

static const struct cli_cmd *const C = &cli_bench;

/* Split a copy of a comma list (argv stays as it was: ps shows it).  The
 * caller frees items[0]. */
static int split_list(const char *opt, const char *val, char **items, int max)
{
	const char *err = NULL;
	int n = bc_split_list(val, items, max, &err);

	if (n >= 0)
		return n;
	if (!strcmp(err, "out of memory")) {
		fprintf(stderr, "lazymm bench: out of memory\n");
		exit(EXIT_ERROR);
	}
	if (!strcmp(err, "too many elements"))
		cli_usage_error(C, "%s: too many elements (at most %d)", opt, max);
	cli_usage_error(C, "%s: %s", opt, err);
}

static void parse_workloads(struct bench_opts *o, const char *val)
{
	char *items[WL_NR + 1];
	int n = split_list("--workload", val, items, WL_NR + 1);

	memset(o->wl, 0, sizeof(o->wl));
	o->wl_set = true;
	for (int i = 0; i < n; i++) {
		int w;

		if (!strcmp(items[i], "all")) {
			for (w = 0; w < WL_NR; w++)
				o->wl[w] = true;
			continue;
		}
		for (w = 0; w < WL_NR && strcmp(items[i], bench_wls[w].name); w++)
			;
		if (w == WL_NR)
			cli_usage_error(C, "--workload: unknown workload '%s'; accepted: "
					"idle_cycle, context_switch1, exit, tlb_flush, all", items[i]);
		if (o->wl[w])
			cli_usage_error(C, "--workload: '%s' listed twice", items[i]);
		o->wl[w] = true;
	}
	free(items[0]);
}

static void parse_modes(struct bench_opts *o, const char *val)
{
	char *items[MODE_NR + 1];
	int n = split_list("--mode", val, items, MODE_NR + 1);

	memset(o->mode, 0, sizeof(o->mode));
	for (int i = 0; i < n; i++) {
		if (!strcmp(items[i], "both")) {
			o->mode[MODE_THREADS] = o->mode[MODE_PROCESSES] = true;
		} else if (!strcmp(items[i], "threads") || !strcmp(items[i], "processes")) {
			int m = items[i][0] == 't' ? MODE_THREADS : MODE_PROCESSES;

			if (o->mode[m])
				cli_usage_error(C, "--mode: '%s' listed twice", items[i]);
			o->mode[m] = true;
		} else {
			cli_usage_error(C, "--mode: unknown mode '%s'; accepted: threads, "
					"processes, both", items[i]);
		}
	}
	free(items[0]);
}

static void parse_schemes(struct bench_opts *o, const char *val)
{
	char *items[8];
	int n = split_list("--schemes", val, items, 8);

	o->nr_schemes = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(items[i], "all")) {
			for (int k = 0; lazy_schemes[k] && o->nr_schemes < 8; k++)
				o->schemes[o->nr_schemes++] = lazy_schemes[k];
			continue;
		}
		const struct lazy_tlb_ops *ops = cli_scheme(C, items[i]);

		for (int k = 0; k < o->nr_schemes; k++)
			if (o->schemes[k] == ops)
				cli_usage_error(C, "--schemes: '%s' listed twice", items[i]);
		if (o->nr_schemes == 8)
			cli_usage_error(C, "--schemes: too many");
		o->schemes[o->nr_schemes++] = ops;
	}
	free(items[0]);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void parse_tasks(struct bench_opts *o, const char *val)
{
	char *items[BENCH_MAX_TASKS];
	int n = split_list("--tasks", val, items, BENCH_MAX_TASKS);

	for (int i = 0; i < n; i++)
		o->tasks[i] = (int)cli_u64(C, "--tasks", items[i], 0, BENCH_TASKS_LIMIT);
	free(items[0]);
	qsort(o->tasks, (size_t)n, sizeof(int), cmp_int);
	for (int i = 1; i < n; i++)
		if (o->tasks[i] == o->tasks[i - 1])
			cli_usage_error(C, "--tasks: %d listed twice", o->tasks[i]);
	o->nr_tasks = n;
}

static void parse_switch_work(struct bench_opts *o, const char *val)
{
	if (!strcmp(val, "auto")) {
		o->switch_auto = true;
		return;
	}
	o->switch_auto = false;
	o->switch_work = cli_u64(C, "--switch-work", val, 0, 1000000);
}

enum {
	B_WORKLOAD, B_MODE, B_SCHEMES, B_TASKS, B_SECONDS, B_ROUNDS, B_WARMUP, B_SEED,
	B_SWITCH_WORK, B_DELAY, B_CPUS, B_EXIT_MAP, B_HOTPLUG, B_OUT, B_PLOT, B_MUTANT,
	B_CSV, B_JSON, B_QUICK, B_NO_PLOT,
};

static const struct cli_opt bench_opts_table[] = {
	{ "--workload", "--workloads", true, B_WORKLOAD },
	{ "--mode", NULL, true, B_MODE },
	{ "--schemes", "--scheme", true, B_SCHEMES },
	{ "--tasks", "-t", true, B_TASKS },
	{ "--seconds", "-s", true, B_SECONDS },
	{ "--rounds", NULL, true, B_ROUNDS },
	{ "--warmup", NULL, true, B_WARMUP },
	{ "--seed", NULL, true, B_SEED },
	{ "--switch-work", NULL, true, B_SWITCH_WORK },
	{ "--delay", NULL, true, B_DELAY },
	{ "--cpus", NULL, true, B_CPUS },
	{ "--exit-map", NULL, true, B_EXIT_MAP },
	{ "--hotplug", NULL, true, B_HOTPLUG },
	{ "--out", NULL, true, B_OUT },
	{ "--plot", NULL, true, B_PLOT },
	{ "--mutant", NULL, true, B_MUTANT },
	{ "--csv", NULL, false, B_CSV },
	{ "--json", NULL, false, B_JSON },
	{ "--quick", NULL, false, B_QUICK },
	{ "--no-plot", NULL, false, B_NO_PLOT },
	{ NULL, NULL, false, 0 },
};

static void bench_opt(void *st, int id, const char *a, const char *val)
{
	static const char *const yes_no[] = { "yes", "no", NULL };
	struct bench_opts *o = st;

	switch (id) {
	case B_WORKLOAD: parse_workloads(o, val); break;
	case B_MODE: parse_modes(o, val); break;
	case B_SCHEMES: parse_schemes(o, val); break;
	case B_TASKS: parse_tasks(o, val); break;
	case B_SECONDS:
		o->seconds = cli_double(C, a, val, 0.01, 3600);
		o->set_seconds = true;
		break;
	case B_ROUNDS:
		o->rounds = (int)cli_u64(C, a, val, 1, BENCH_MAX_ROUNDS);
		o->set_rounds = true;
		break;
	case B_WARMUP:
		o->warmup = cli_double(C, a, val, 0, 60);
		o->set_warmup = true;
		break;
	case B_SEED: o->seed = cli_u64(C, a, val, 0, UINT64_MAX); break;
	case B_SWITCH_WORK: parse_switch_work(o, val); break;
	case B_DELAY: o->delay_ns = cli_u64(C, a, val, 0, 1000000000); break;
	case B_CPUS: o->cpus = (int)cli_u64(C, a, val, 1, NR_CPUS_MAX); break;
	case B_EXIT_MAP: o->exit_map = cli_choice(C, a, val, yes_no) == 0; break;
	case B_HOTPLUG: o->hotplug = cli_choice(C, a, val, yes_no) == 0; break;
	case B_OUT: o->out = val; break;
	case B_PLOT: o->plot = val; break;
	case B_MUTANT: o->mutant = val; break;
	case B_CSV:
	case B_JSON: {
		enum out_fmt f = id == B_CSV ? FMT_CSV : FMT_JSON;

		if (o->fmt != FMT_TABLE && o->fmt != f)
			cli_usage_error(C, "--csv and --json exclude each other");
		o->fmt = f;
		break;
	}
	case B_QUICK: o->quick = true; break;
	case B_NO_PLOT: o->no_plot = true; break;
	}
}

/* --mutant must name a mutant of at least one selected scheme. */
static void check_mutant(const struct bench_opts *o)
{
	for (int s = 0; s < o->nr_schemes; s++)
		if (lazy_find_mutant(o->schemes[s], o->mutant))
			return;
	cli_usage_error(C, "--mutant: no selected scheme has a mutant '%s' "
			"('lazymm mutants' lists them)", o->mutant);
}

static void default_opts(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int w = 0; w < WL_NR; w++)
		o->wl[w] = bench_wls[w].in_default;
	o->mode[MODE_THREADS] = o->mode[MODE_PROCESSES] = true;
	for (int k = 0; lazy_schemes[k] && k < 8; k++)
		o->schemes[o->nr_schemes++] = lazy_schemes[k];
	o->seed = 1;
	o->switch_auto = true;
	o->exit_map = true;
	o->cpus = lm_host_cpus();
	if (o->cpus > NR_CPUS_MAX)
		o->cpus = NR_CPUS_MAX;
	if (o->cpus < 1)
		o->cpus = 1;
	o->progress = isatty(STDERR_FILENO);
}

static void check_tasks(const struct bench_opts *o)
{
	for (int w = 0; w < WL_NR; w++)
		for (int i = 0; o->wl[w] && i < o->nr_tasks; i++)
			if (o->tasks[i] < bench_wls[w].tasks_min)
				cli_usage_error(C, "--tasks: %s needs at least %d task(s), got %d",
					    bench_wls[w].name, bench_wls[w].tasks_min, o->tasks[i]);
}


void bench_parse_args(struct bench_opts *o, int argc, char **argv)
{
	default_opts(o);
	cli_parse(C, bench_opts_table, false, argc, argv, bench_opt, o);
	if (!o->set_seconds)
		o->seconds = o->quick ? QUICK_SECONDS : DEF_SECONDS;
	if (!o->set_rounds)
		o->rounds = o->quick ? QUICK_ROUNDS : DEF_ROUNDS;
	if (!o->set_warmup)
		o->warmup = o->quick ? QUICK_WARMUP : DEF_WARMUP;
	if (o->mutant)
		check_mutant(o);
	if (o->plot && !strchr(o->plot, '.'))
		cli_usage_error(C, "--plot: '%s' needs a file name such as speedup.png", o->plot);
	check_tasks(o);
}
