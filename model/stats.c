/*
 * stats.c - counter names and totals over every simulated CPU.
 */
#include "model.h"

#define COUNTER_NAME(id, name) [id] = name,
const char *const lm_counter_names[CNT_NR] = { LM_COUNTERS(COUNTER_NAME) };

/* The counter c summed over CPUs, for events counted in phase ph. */
uint64_t lm_phase_total(int ph, enum lm_counter c)
{
	uint64_t s = 0;

	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		s += lm.cpus[i].pcnt[ph][c];
	return s;
}

uint64_t lm_total(enum lm_counter c)
{
	uint64_t s = 0;

	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		s += lm.cpus[i].cnt[0][c] + lm.cpus[i].cnt[1][c];
	return s;
}

uint64_t lm_total_violations(void)
{
	uint64_t s = 0;

	for (int i = 0; i < INV_NR; i++)
		s += atomic_load_explicit(&lm.violations[i], memory_order_relaxed);
	return s;
}

void lm_print_counters(FILE *out)
{
	for (int c = 0; c < CNT_NR; c++)
		fprintf(out, "  %-22s %12llu\n", lm_counter_names[c], (unsigned long long)lm_total(c));
}

