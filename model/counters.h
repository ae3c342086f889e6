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

/* The one list: each counter's enum name and printed name. */
#define LM_COUNTERS(X) \
	/* context switches by type (kernel/sched/core.c:context_switch) */ \
	X(CNT_CS_USER_USER, "cs_user_user") \
	X(CNT_CS_USER_KERNEL, "cs_user_kernel") \
	X(CNT_CS_KERNEL_USER, "cs_kernel_user") \
	X(CNT_CS_KERNEL_KERNEL, "cs_kernel_kernel") \
	/* atomic RMWs on lines other CPUs write */ \
	X(CNT_RMW_MM_COUNT, "rmw_mm_count") \
	X(CNT_RMW_CPUMASK, "rmw_mm_cpumask") \
	X(CNT_RMW_TLB_GEN, "rmw_tlb_gen") \
	X(CNT_RMW_OTHER, "rmw_mm_users") \
	X(CNT_LOCK, "sched_locks")                      /* scheduler locks (rq, pi): the same for every scheme */ \
	/* atomic RMWs on a line only this CPU writes on its fast path (andy2020's \
	 * lazy_mm xchg): a full barrier, no bouncing */ \
	X(CNT_RMW_LOCAL, "rmw_cpu_local") \
	/* plain stores to lines other CPUs read (is_lazy, hazard slots, loaded_mm) */ \
	X(CNT_STORE_SHARED, "stores_shared_read") \
	X(CNT_FENCE, "smp_mb")                          /* explicit smp_mb() */ \
	X(CNT_CR3_WRITE, "cr3_writes") \
	X(CNT_CR3_FLUSH, "cr3_flushing") \
	X(CNT_IPI_SENT, "ipi_sent") \
	X(CNT_IPI_RECV, "ipi_received") \
	X(CNT_IPI_WASTED, "ipi_nothing_to_do") \
	X(CNT_IPI_TEARDOWN, "ipi_teardown")             /* IPIs sent by __mmdrop()'s lazy cleanup */ \
	X(CNT_IPI_FLUSH, "ipi_flush")                   /* IPIs sent by flush_tlb_mm_range() */ \
	X(CNT_FLUSH, "tlb_flushes") \
	X(CNT_FLUSH_SKIPPED_LAZY, "flush_skipped_lazy") \
	X(CNT_LAZY_EVICT, "lazy_evictions") \
	X(CNT_SLOTS_SCANNED, "slots_scanned") \
	X(CNT_SPEC_WALK, "page_walks") \
	X(CNT_ROUND_TRIP, "round_trips")                /* workload progress (ping-pong round trips, cycles) */ \
	X(CNT_TASK_STEP, "task_steps")

enum lm_counter {
	LM_COUNTERS(LM_ENUM_ENTRY)
	CNT_NR
};
extern const char *const lm_counter_names[CNT_NR];

/* stats.c: totals over every CPU (read after the CPUs stopped, or racily
 * for diagnostics). */
uint64_t lm_total(enum lm_counter c);
uint64_t lm_total_violations(void);
void lm_print_counters(FILE *out);

#endif /* LAZYMM_COUNTERS_H */
