/*
 * percpu.h - one simulated CPU's state.  Each group sits on its own cache
 * line(s), as the kernel's per-CPU data does.
 */
#ifndef LAZYMM_PERCPU_H
#define LAZYMM_PERCPU_H

#include <stdbool.h>

#include "counters.h"
#include "objects.h"

struct rq {
	atomic_flag lock;
	_Atomic(struct task_struct *) curr;  /* rq->curr, read remotely */
	struct task_struct *current_task;    /* `current`: changes at switch_to() */
	struct task_struct *idle;
	struct mm_struct *prev_mm;           /* rq->prev_mm */
	uint32_t prev_mm_gen;
	struct task_struct *head, *tail;     /* runnable tasks, FIFO, under lock */
	_Atomic int nr_queued;
	_Atomic int need_resched;
	bool mb_pending;                     /* rq->curr stored, no full barrier since */
} __cacheline_aligned;

struct tlb_context {
	uint64_t ctx_id;
	uint64_t tlb_gen;
};

/* arch/x86/include/asm/tlbflush.h: struct tlb_state (private part) */
struct cpu_tlbstate {
	_Atomic(struct mm_struct *) loaded_mm;   /* read remotely by tlbstate teardown */
	uint32_t loaded_mm_gen;                  /* checker shadow */
	uint16_t loaded_mm_asid;
	uint16_t next_asid;
	struct tlb_context ctxs[TLB_NR_DYN_ASIDS];
} __cacheline_aligned;

/* struct tlb_state_shared: is_lazy on its own line, read by flushers */
struct cpu_tlbstate_shared {
	atomic_bool is_lazy;
} __cacheline_aligned;

/* What the hardware holds: CR3 and a small paging-structure cache. */
struct psc_entry {
	struct pgtable *table;
	uint32_t gen_table;        /* the table's generation when cached */
	uint32_t epoch;            /* broadcast-invalidation epoch when cached */
	uint16_t asid;
	bool valid;
};
struct cpu_hw {
	_Atomic(struct pgtable *) cr3;           /* the loaded page-table root */
	uint32_t cr3_gen;
	uint16_t cr3_asid;
	struct psc_entry psc[PSC_ENTRIES];
	_Atomic int walking;                     /* a walk in progress (broadcast mode) */
} __cacheline_aligned;

struct call_single_data {
	void (*func)(void *info);
	void *info;
	_Atomic int busy;                         /* csd_lock */
	int src;
	struct call_single_data *next;
};

struct cpu_irq {
	_Atomic int off;               /* local irqs disabled */
	_Atomic int in_irq;            /* running IPI handlers */
	_Atomic int pending;           /* an IPI signal arrived while irqs were off */
	int preempt_count;
	_Atomic(struct call_single_data *) queue __cacheline_aligned;  /* llist, remote pushers */
} __cacheline_aligned;

/* One entry of the per-CPU event ring (trace.c). */
struct lm_event {
	uint32_t seq;
	uint16_t what;
	int32_t task;
	int32_t mm;
	uint32_t gen;
};

struct lm_cpu {
	int cpu;
	pthread_t thread;
	bool thread_started;
	uint64_t rng;
	unsigned int idle_spins;

	struct rq rq;
	struct cpu_tlbstate tlbstate;
	struct cpu_tlbstate_shared tlbstate_shared;
	struct cpu_hw hw;
	struct cpu_irq irq;

	/* csds this CPU uses to call every other CPU (kernel/smp.c cfd_data) */
	struct call_single_data csd[NR_CPUS_MAX] __cacheline_aligned;

	uint64_t cnt[2][CNT_NR] __cacheline_aligned;   /* [in_irq][counter] */
	int phase;                                      /* enum lm_phase */
	uint64_t pcnt[PH_NR][CNT_NR];                   /* the same counts by phase */
	struct lm_event ring[EVENT_RING];
	uint32_t ring_seq;

	void *lazy_priv __cacheline_aligned;            /* scheme per-CPU data */
	void *harness;                                  /* the harness's per-CPU data */
	void *drv;                                      /* the driver's per-CPU data */
} __cacheline_aligned;

#endif /* LAZYMM_PERCPU_H */
