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
	bool online;                         /* rq->online: under lock (set_rq_offline()) */
	bool mb_pending;                     /* rq->curr changed mm (or tsk->mm was
						set), no full barrier since (I9) */
	int membarrier_state;                /* rq->membarrier_state (membarrier_switch_mm()) */
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
	/* cond_mitigation(): the last user mm that ran here, as v6.11 keeps it
	 * (a raw pointer, no reference), and its ctx_id (the fix, and the
	 * checker's truth) */
	struct mm_struct *last_user_mm_spec;
	uint64_t last_user_ctx_id;
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
	/* Not kernel state: the target (+1) of the csd this CPU is waiting on
	 * in csd_lock_wait(), 0 when none.  Read by the scenario controller to
	 * tell "blocked on a parked CPU" from "about to send" (scenario.h). */
	_Atomic int csd_wait_target;
	_Atomic(struct call_single_data *) queue __cacheline_aligned;  /* llist, remote pushers */
} __cacheline_aligned;

/*
 * CPU hotplug state (kernel/cpu.c struct cpuhp_cpu_state, reduced to what
 * the model needs).  state: CPUHP_* below, written by the CPU itself except
 * the request; in_call: this CPU is inside smp_call_function_*() (between
 * its read of cpu_online_mask and its wait), read by a dying CPU.
 */
enum { CPUHP_ONLINE, CPUHP_DYING, CPUHP_DEAD };
enum { CPUHP_REQ_NONE, CPUHP_REQ_DOWN, CPUHP_REQ_UP };
struct cpu_hp {
	_Atomic int state;
	_Atomic int req;               /* posted by the controller */
	_Atomic int in_call;
	_Atomic int waiting_dying;     /* a teardown here waits for a dying CPU */
} __cacheline_aligned;

/*
 * The membarrier checker's per-CPU bookkeeping (membarrier.c, I9): no
 * kernel equivalent.  `seq` counts the full barriers this CPU executed
 * (smp_mb(), LOCK'd RMWs, CR3 writes); only this CPU writes it.  While
 * rq->curr's store is not yet ordered by a full barrier (curr_unfenced),
 * a remote membarrier() may still read the previous task (curr_prev): the
 * TSO worst case, which the issuer's scan takes.  An issuer that skipped
 * this CPU on that stale read records its mm and this CPU's seq.
 */
struct cpu_membarrier {
	_Atomic uint64_t seq;
	_Atomic int curr_unfenced;
	_Atomic(struct task_struct *) curr_prev;
	_Atomic(struct mm_struct *) stale_mm;
	_Atomic uint64_t stale_seq;
	bool user_unfenced;            /* a user access since the last full barrier */
	bool exit_pending;             /* membarrier() waited for its IPIs, no barrier since */
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
	struct cpu_hp hp;
	struct cpu_membarrier mb;

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
