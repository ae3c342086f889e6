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
	/* CNT_STORE_SHARED split by line, for the predictor's templates
	 * (counted in addition to CNT_STORE_SHARED) */
	CNT_ST_IS_LAZY,      /* this CPU's cpu_tlbstate_shared.is_lazy */
	CNT_ST_LOADED_MM,    /* this CPU's cpu_tlbstate.loaded_mm */
	CNT_ST_HAZARD,       /* a hazard slot (hazptr) */
	CNT_LD_TLB_GEN,      /* loads of mm->context.tlb_gen (a line flushers write) */
	CNT_MMDROP,          /* __mmdrop() calls: teardowns */
	CNT_LOCK_RQ,         /* of CNT_LOCK: runqueue locks (the rest: pi_lock) */
	CNT_IPI_WAIT_ROUND,  /* waits for a round of IPIs (one IPI latency each) */
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
extern const char *const lm_phase_names[PH_NR];

/* stats.c: totals over every CPU (read after the CPUs stopped, or racily
 * for diagnostics). */
uint64_t lm_total(enum lm_counter c);
/* The counter c summed over CPUs, for events counted in phase ph. */
uint64_t lm_phase_total(int ph, enum lm_counter c);
uint64_t lm_total_violations(void);
void lm_print_counters(FILE *out);

#endif /* LAZYMM_COUNTERS_H */
