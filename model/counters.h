/*
 * counters.h - what the model counts, per simulated CPU.
 *
 * Counters are split by context (task / irq) so that an IPI handler never
 * races with the code it interrupted; only the owning CPU writes them.
 * count_event() and count_add() are in machine.h (they need `lm_this`).
 */
#ifndef LAZYMM_COUNTERS_H
#define LAZYMM_COUNTERS_H

#include "defs.h"

enum lm_counter {
	/* context switches by type (kernel/sched/core.c:context_switch) */
	CNT_CS_USER_USER, CNT_CS_USER_KERNEL, CNT_CS_KERNEL_USER, CNT_CS_KERNEL_KERNEL,
	/* atomic RMWs on lines other CPUs write */
	CNT_RMW_MM_COUNT, CNT_RMW_CPUMASK, CNT_RMW_TLB_GEN, CNT_RMW_OTHER,
	CNT_LOCK,            /* scheduler locks (rq, pi): the same for every scheme */
	CNT_RMW_LOCAL,       /* atomic RMWs on a line only this CPU writes on its fast
				path (andy2020's lazy_mm xchg): a full barrier, no bouncing */
	/* plain stores to lines other CPUs read (is_lazy, hazard slots, loaded_mm) */
	CNT_STORE_SHARED,
	CNT_FENCE,           /* explicit smp_mb() */
	CNT_CR3_WRITE, CNT_CR3_FLUSH,
	CNT_IPI_SENT, CNT_IPI_RECV, CNT_IPI_WASTED,
	CNT_IPI_TEARDOWN,    /* IPIs sent by __mmdrop()'s lazy cleanup */
	CNT_IPI_FLUSH,       /* IPIs sent by flush_tlb_mm_range() */
	CNT_FLUSH, CNT_FLUSH_SKIPPED_LAZY, CNT_LAZY_EVICT,
	CNT_SLOTS_SCANNED,
	CNT_SPEC_WALK,
	CNT_ROUND_TRIP,      /* workload progress (ping-pong round trips, cycles) */
	CNT_TASK_STEP,
	CNT_NR
};
extern const char *const lm_counter_names[CNT_NR];

/* stats.c: totals over every CPU (read after the CPUs stopped, or racily
 * for diagnostics). */
uint64_t lm_total(enum lm_counter c);
uint64_t lm_total_violations(void);
void lm_print_counters(FILE *out);

#endif /* LAZYMM_COUNTERS_H */
