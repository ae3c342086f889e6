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
	X(CNT_TASK_STEP, "task_steps") \
	X(CNT_CPU_DOWN, "cpu_down")                     /* take_cpu_down() (hotplug cycling) */ \
	X(CNT_WAIT_DYING, "teardown_waits_dying_cpu")   /* a teardown waited for a CPU in the offline window */ \
	/* CNT_STORE_SHARED split by line, for the predictor's templates */ \
	/* (counted in addition to CNT_STORE_SHARED) */ \
	X(CNT_ST_IS_LAZY, "store_is_lazy")              /* this CPU's cpu_tlbstate_shared.is_lazy */ \
	X(CNT_ST_LOADED_MM, "store_loaded_mm")          /* this CPU's cpu_tlbstate.loaded_mm */ \
	X(CNT_ST_HAZARD, "store_hazard_slot")           /* a hazard slot (hazptr) */ \
	X(CNT_LD_TLB_GEN, "load_tlb_gen")               /* loads of mm->context.tlb_gen */ \
	X(CNT_MMDROP, "mmdrop_teardowns")               /* __mmdrop() calls */ \
	X(CNT_LOCK_RQ, "sched_locks_rq")                /* of CNT_LOCK: runqueue locks (the rest: pi_lock) */ \
	X(CNT_IPI_WAIT_ROUND, "ipi_wait_rounds")        /* waits for a round of IPIs (one IPI latency each) */ \
	X(CNT_IBPB, "ibpb")                             /* indirect_branch_prediction_barrier() in cond_mitigation() */ \
	X(CNT_MEMBARRIER, "membarrier_calls")           /* membarrier(PRIVATE_EXPEDITED) calls */

enum lm_counter {
	LM_COUNTERS(LM_ENUM_ENTRY)
	CNT_NR
};
extern const char *const lm_counter_names[CNT_NR];

/*
 * Phases: which kernel path a CPU is in, so that the counters can also be
 * read per path (predict/extract.c turns them into operation templates).
 * Set by the core around schedule(), context_switch() by switch type,
 * try_to_wake_up(), __mmput() and __mmdrop(); scheme-neutral.  Events in
 * IPI handlers count under PH_IRQ whatever the interrupted phase.
 * lm_phase_set() is in machine.h (it needs `lm_this`).
 */
enum lm_phase {
	PH_OTHER,
	PH_SCHED,            /* __schedule() before context_switch() */
	PH_CS_UU_SAME,       /* user -> user, one mm (threads of a process) */
	PH_CS_UU_DIFF,       /* user -> user, another mm */
	PH_CS_UK,            /* user -> kernel (idle): the lazy grab */
	PH_CS_KU_SAME,       /* kernel -> user, back to the lazy mm */
	PH_CS_KU_DIFF,       /* kernel -> user, another mm */
	PH_CS_KK,            /* kernel -> kernel */
	PH_WAKE,             /* try_to_wake_up() */
	PH_MMPUT,            /* __mmput(): exit_mmap() and the users' mmdrop */
	PH_MMDROP,           /* __mmdrop(): the scheme's cleanup, the frees */
	PH_IRQ,              /* IPI handlers */
	PH_NR
};

/* stats.c: totals over every CPU (read after the CPUs stopped, or racily
 * for diagnostics). */
uint64_t lm_total(enum lm_counter c);
/* The counter c summed over CPUs, for events counted in phase ph. */
uint64_t lm_phase_total(int ph, enum lm_counter c);
uint64_t lm_total_violations(void);
void lm_print_counters(FILE *out);

#endif /* LAZYMM_COUNTERS_H */
