/*
 * stats.c - counter names and totals over every simulated CPU.
 */
#include "model.h"

const char *const lm_counter_names[CNT_NR] = {
	[CNT_CS_USER_USER] = "cs_user_user",
	[CNT_CS_USER_KERNEL] = "cs_user_kernel",
	[CNT_CS_KERNEL_USER] = "cs_kernel_user",
	[CNT_CS_KERNEL_KERNEL] = "cs_kernel_kernel",
	[CNT_RMW_MM_COUNT] = "rmw_mm_count",
	[CNT_RMW_CPUMASK] = "rmw_mm_cpumask",
	[CNT_RMW_TLB_GEN] = "rmw_tlb_gen",
	[CNT_RMW_OTHER] = "rmw_mm_users",
	[CNT_LOCK] = "sched_locks",
	[CNT_STORE_SHARED] = "stores_shared_read",
	[CNT_FENCE] = "smp_mb",
	[CNT_CR3_WRITE] = "cr3_writes",
	[CNT_CR3_FLUSH] = "cr3_flushing",
	[CNT_IPI_SENT] = "ipi_sent",
	[CNT_IPI_RECV] = "ipi_received",
	[CNT_IPI_WASTED] = "ipi_nothing_to_do",
	[CNT_IPI_TEARDOWN] = "ipi_teardown",
	[CNT_IPI_FLUSH] = "ipi_flush",
	[CNT_FLUSH] = "tlb_flushes",
	[CNT_FLUSH_SKIPPED_LAZY] = "flush_skipped_lazy",
	[CNT_LAZY_EVICT] = "lazy_evictions",
	[CNT_SLOTS_SCANNED] = "slots_scanned",
	[CNT_SPEC_WALK] = "page_walks",
	[CNT_ROUND_TRIP] = "round_trips",
	[CNT_TASK_STEP] = "task_steps",
	[CNT_ST_IS_LAZY] = "store_is_lazy",
	[CNT_ST_LOADED_MM] = "store_loaded_mm",
	[CNT_ST_HAZARD] = "store_hazard_slot",
	[CNT_LD_TLB_GEN] = "load_tlb_gen",
	[CNT_MMDROP] = "mmdrop_teardowns",
	[CNT_LOCK_RQ] = "sched_locks_rq",
	[CNT_IPI_WAIT_ROUND] = "ipi_wait_rounds",
};

const char *const lm_phase_names[PH_NR] = {
	[PH_OTHER] = "other",
	[PH_SCHED] = "sched",
	[PH_CS_UU_SAME] = "cs_uu_same",
	[PH_CS_UU_DIFF] = "cs_uu_diff",
	[PH_CS_UK] = "cs_uk",
	[PH_CS_KU_SAME] = "cs_ku_same",
	[PH_CS_KU_DIFF] = "cs_ku_diff",
	[PH_CS_KK] = "cs_kk",
	[PH_WAKE] = "wake",
	[PH_MMPUT] = "mmput",
	[PH_MMDROP] = "mmdrop",
	[PH_IRQ] = "irq",
};

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

