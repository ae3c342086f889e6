/*
 * plan.c - what `lazymm bench` measures: one cell per (workload, mode,
 * tasks, scheme), grouped so that a group's schemes run interleaved, and
 * the parameters of each cell's sample in a round.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int busy_cpus(enum bench_wl w, int tasks)
{
	return bench_wls[w].cpus_per_task * tasks + bench_wls[w].cpus_extra;
}

/* Default task counts: every CPU busy at the top, then one oversubscribed
 * point (exit: K lazy CPUs need CPUs of their own; no oversubscription). */
static int default_tasks(enum bench_wl w, int cpus, int *out)
{
	const struct bench_wl_desc *d = &bench_wls[w];
	int n = 0, t = d->tasks_min;

	for (; t <= BENCH_TASKS_LIMIT && n < BENCH_MAX_TASKS - 1 && busy_cpus(w, t) <= cpus; t++)
		out[n++] = t;
	if (!d->teardown || n == 0)
		out[n++] = t;
	return n;
}

static void add_cells(struct bench_results *r, const struct bench_opts *o, int w, int m)
{
	int tasks[BENCH_MAX_TASKS], nt;

	nt = o->nr_tasks ? o->nr_tasks : default_tasks(w, o->cpus, tasks);
	if (o->nr_tasks)
		memcpy(tasks, o->tasks, sizeof(int) * (size_t)nt);
	for (int t = 0; t < nt; t++)
		for (int s = 0; s < o->nr_schemes; s++) {
			struct bench_cell *c = &r->cells[r->nr_cells++];

			memset(c, 0, sizeof(*c));
			c->wl = w;
			c->mode = m;
			c->tasks = tasks[t];
			c->busy = busy_cpus(w, tasks[t]);
			c->oversub = c->busy > o->cpus || o->cpus > r->meta.host_cores;
			c->ops = o->schemes[s];
			c->speedup = c->fraction = NAN;
			for (int k = 0; k < BENCH_MAX_ROUNDS; k++)
				c->by_round[k] = NAN;
		}
}

void bench_plan(struct bench_results *r, const struct bench_opts *o)
{
	r->cells = calloc((size_t)WL_NR * MODE_NR * BENCH_MAX_TASKS * (size_t)o->nr_schemes,
			  sizeof(*r->cells));
	if (!r->cells) {
		fprintf(stderr, "lazymm bench: out of memory\n");
		exit(EXIT_ERROR);
	}
	for (int s = 0; s < o->nr_schemes; s++)
		r->schemes[r->nr_schemes++] = o->schemes[s];
	for (int w = 0; w < WL_NR; w++)
		for (int m = 0; o->wl[w] && m < MODE_NR; m++)
			if (o->mode[m])
				add_cells(r, o, w, m);
}

void bench_params_for(struct bench_params *p, const struct bench_cell *c,
		      const struct bench_opts *o, uint64_t switch_work, int round)
{
	memset(p, 0, sizeof(*p));
	p->wl = c->wl;
	p->mode = c->mode;
	p->tasks = c->tasks;
	p->ops = c->ops;
	p->mutant = o->mutant && lazy_find_mutant(c->ops, o->mutant) ? o->mutant : NULL;
	p->cpus = o->cpus;
	p->warmup = o->warmup;
	p->seconds = o->seconds;
	p->seed = o->seed + (uint64_t)round;
	p->switch_work_ns = switch_work;
	p->delay_ns = o->delay_ns;
	p->exit_map = o->exit_map;
	p->hotplug = o->hotplug;
}

