/*
 * model.h - the executable model of Linux's lazy-TLB machinery (v6.11, x86).
 *
 * One host thread per simulated CPU.  Tasks are not host threads: a task is
 * a state machine that the CPU running it advances one step at a time, and
 * the scheduler runs between steps (see docs/model.md, "Departures").
 * The file layout follows the kernel's:
 *
 *   model/sched.c   kernel/sched/core.c   schedule, context_switch, ...
 *   model/tlb.c     arch/x86/mm/tlb.c     switch_mm_irqs_off, flushes
 *   model/mm.c      kernel/fork.c, exit.c, fs/exec.c, kthread.c, mm/mmap.c
 *   model/smp.c     kernel/smp.c          IPIs, irqs on/off
 *   model/check.c   (no kernel equivalent) quarantine, checkers, counters
 *   model/lazy/     one file per lazy-mm tracking scheme
 */
#ifndef LAZYMM_MODEL_H
#define LAZYMM_MODEL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shim.h"

#define NR_CPUS_MAX        64
#define TLB_NR_DYN_ASIDS   6      /* arch/x86/include/asm/tlbflush.h */
#define MM_MAX_TABLES      8      /* lower-level page tables per model mm */
#define PSC_ENTRIES        4      /* paging-structure cache entries per CPU */
#define EVENT_RING         32     /* per-CPU event ring, a power of two */

struct mm_struct;
struct task_struct;
struct lazy_tlb_ops;

/* x86's marker for "CR3 is being changed" (tlb.c: LOADED_MM_SWITCHING). */
#define LOADED_MM_SWITCHING ((struct mm_struct *)1UL)

/* ------------------------------------------------------------------ */
/* Counters: per CPU, split by context (task / irq) so that an IPI      */
/* handler never races with the code it interrupted.                    */

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
extern const char *const lm_counter_names[CNT_NR];

/* Invariants checked (kernel-lazy-tlb.md §7.1). */
enum lm_invariant {
	INV_ROOT,        /* I1: CR3 root points at a freed pgd */
	INV_PWC,         /* I2: a walk through a freed lower page table */
	INV_MM_ALIVE,    /* I3: dereference of a freed mm_struct */
	INV_TLB_GEN,     /* I4: return to user with a stale tlb_gen */
	INV_CPUMASK,     /* I5: a CPU using mm is missing from mm_cpumask */
	INV_ONE_LAZY,    /* I6: lazy slot accounting broken */
	INV_RESURRECT,   /* I7: lazy use began after mm_users reached 0 */
	INV_IRQ,         /* I10: IPI sent with irqs off / inconsistent state */
	INV_LEAK,        /* an object left allocated at the end of a run */
	INV_HANG,        /* a bounded wait ran out (model progress failure) */
	INV_NR
};
extern const char *const lm_invariant_names[INV_NR];

/* ------------------------------------------------------------------ */
/* Page tables and mms.  Freed objects go to a quarantine (check.c):    */
/* poisoned, generation bumped, never handed back to malloc during a    */
/* run, optionally reused at the same address to provoke ABA.           */

enum { OBJ_LIVE = 0x11, OBJ_FREED = 0xdd };

struct pgtable {
	_Atomic int state;
	_Atomic uint32_t gen;
	int level;                 /* 4: pgd, 1..3: lower levels */
	int owner_id;              /* mm id at allocation, for reports */
	struct pgtable *qnext;     /* quarantine list */
	struct pgtable *all_next;  /* every table of the run (check.c) */
};

struct mm_struct {
	/* read-mostly */
	_Atomic int state;
	_Atomic uint32_t gen;
	_Atomic int id;            /* model id, for reports (read racily via stale pointers) */
	uint64_t ctx_id;           /* never reused (arch/x86 mm->context.ctx_id) */
	struct pgtable *pgd;
	void *lazy_priv;           /* scheme-private per-mm data */

	atomic_int mm_users __cacheline_aligned;
	atomic_int mm_count __cacheline_aligned;

	/* mm->context.tlb_gen and the checker's record of completed flushes */
	_Atomic uint64_t tlb_gen __cacheline_aligned;
	_Atomic uint64_t flush_done_gen;

	_Atomic uint64_t cpumask[NR_CPUS_MAX / 64] __cacheline_aligned;

	/* Lower-level page tables.  Written under mmap_lock; read racily by
	 * the page-walk model, so the slots are atomic. */
	atomic_flag mmap_lock __cacheline_aligned;
	_Atomic(struct pgtable *) tables[MM_MAX_TABLES];
	bool ever_mapped;

	/* teardown accounting (check.c) */
	uint64_t t_users_zero_ns;
	int cpus_at_exit_mmap, cpus_at_mmdrop;

	struct mm_struct *qnext;   /* quarantine list */
	struct mm_struct *all_next; /* every mm of the run (check.c) */
};

extern struct mm_struct init_mm;

static inline int mm_id(struct mm_struct *mm)
{
	return atomic_load_explicit(&mm->id, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* Tasks                                                               */

enum task_state { TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, TASK_DEAD = 64 };

/* What a task's step asks of the CPU that ran it. */
enum step_result {
	STEP_CONTINUE,   /* stays runnable; the CPU may keep running it */
	STEP_YIELD,      /* preemption point: reschedule, maybe migrate */
	STEP_BLOCK,      /* the task set TASK_INTERRUPTIBLE: schedule away */
	STEP_EXIT,       /* the task called do_exit(): do_task_dead() */
};

typedef enum step_result (*task_step_fn)(struct task_struct *tsk);
typedef void (*task_cont_fn)(struct task_struct *tsk);

struct task_struct {
	_Atomic int state;
	int id;
	unsigned int flags;                  /* PF_KTHREAD, PF_IDLE */
	int cpu;                             /* CPU it runs or last ran on */
	_Atomic int on_cpu;                  /* 1 from context_switch until finish_task_switch */
	int on_rq;                           /* under pi_lock + rq lock */
	int migrate_to;                      /* -1, or the CPU a preemption moves it to */
	atomic_flag pi_lock;

	struct mm_struct *mm;
	struct mm_struct *active_mm;
	uint32_t active_mm_gen;              /* checker shadow of active_mm's generation */

	task_step_fn step;                   /* what the task does when run */
	task_cont_fn cont;                   /* set when preempted inside a kernel path */
	void *prog;                          /* workload-private state */
	struct mm_struct *exec_lazy_mm;      /* exec_mmap()'s old active_mm across preemption */

	struct task_struct *rq_next;         /* runqueue link */
	struct task_struct *all_next;        /* list of all tasks (check.c) */
	bool freed;                          /* put_task_struct() done */
};
#define PF_KTHREAD 0x1u
#define PF_IDLE    0x2u

/* ------------------------------------------------------------------ */
/* Per simulated CPU.  Each group sits on its own cache line(s), as the */
/* kernel's per-CPU data does.                                           */

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

struct call_single_data;

struct cpu_irq {
	_Atomic int off;               /* local irqs disabled */
	_Atomic int in_irq;            /* running IPI handlers */
	_Atomic int pending;           /* an IPI signal arrived while irqs were off */
	int preempt_count;
	_Atomic(struct call_single_data *) queue __cacheline_aligned;  /* llist, remote pushers */
} __cacheline_aligned;

struct lm_event {
	uint32_t seq;
	uint16_t what;
	int32_t task;
	int32_t mm;
	uint32_t gen;
};

struct call_single_data {
	void (*func)(void *info);
	void *info;
	_Atomic int busy;                         /* csd_lock */
	int src;
	struct call_single_data *next;
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
	void *drv;                                      /* the driver's per-CPU data */
} __cacheline_aligned;

/* ------------------------------------------------------------------ */
/* The machine                                                          */

enum lm_flush_mode {
	FLUSH_IPI,        /* bare-metal x86: freed_tables flushes IPI lazy CPUs */
	FLUSH_BROADCAST,  /* PV / INVLPGB-like: invalidation without IPIs; lazy CPUs stay */
};

enum lm_ipi_mode {
	IPI_SIGNAL,       /* a real signal interrupts the target wherever irqs are on */
	IPI_POLL,         /* delivered only at irq-enable points and waits (deterministic) */
};

struct lm_config {
	int nr_cpus;
	uint64_t seed;
	const struct lazy_tlb_ops *ops;
	const char *mutant;               /* NULL: the scheme as designed */
	enum lm_flush_mode flush_mode;
	enum lm_ipi_mode ipi_mode;
	bool reuse_addresses;             /* freed mm structs may be reused (ABA hunting) */
	bool chaos;                       /* random delays and page walks at model points */
	bool debug_shoot_lazies;          /* DEBUG_VM_SHOOT_LAZIES: shootdown's check round */
	bool pin;                         /* pin CPU threads to host cores */
	uint64_t switch_work_ns;          /* extra work per context switch (bench calibration) */
	uint64_t wait_timeout_ns;         /* bound on every model wait */
	int verbose;
	int max_reports;                  /* violations printed in full */
};

struct lm_machine {
	struct lm_config cfg;
	struct lm_cpu *cpus;                 /* cfg.nr_cpus of them */
	_Atomic int stop;                    /* CPU threads leave their loops */
	_Atomic int abort;                   /* a wait timed out: unwind */
	_Atomic uint64_t last_ctx_id;
	_Atomic int next_task_id, next_mm_id;
	_Atomic uint64_t violations[INV_NR];
	_Atomic uint64_t reports;
	bool pinned;
	_Atomic int phase;                   /* PHASE_* */
	_Atomic int nr_offline;
	/* set by mutants / injection; read by model code (no #ifdef SCHEME) */
	struct {
		bool flush_skips_lazy;       /* freed_tables flushes skip lazy CPUs */
		bool no_lazy_return_mb;      /* switch_mm_irqs_off: no smp_mb on lazy return */
		/* x86 switch_mm_irqs_off() order changes a scheme may need (set by
		 * the scheme's init; its mutants put the v6.11 order back):
		 *  cpumask_clear_late: clear this CPU's bit in mm_cpumask(prev)
		 *    only at the end, when CR3 and switch_ldt() are done with prev
		 *    (a teardown that IPIs mm_cpumask: shootdown);
		 *  switch_ldt_early: read prev's LDT state before loaded_mm = next
		 *    is published (a teardown that reads loaded_mm: tlbstate). */
		bool cpumask_clear_late;
		bool switch_ldt_early;
	} inject;
	/* driver for task steps (torture, bench, scenario) */
	void (*idle_hook)(struct lm_cpu *c);   /* each idle iteration */
	void (*tick_hook)(struct lm_cpu *c);   /* each loop iteration (timers) */
	void *driver;
};

enum { PHASE_RUN, PHASE_OFFLINE, PHASE_DONE };

extern struct lm_machine lm;
extern __thread struct lm_cpu *lm_this;

static inline struct lm_cpu *this_cpu(void) { return lm_this; }
static inline int smp_processor_id(void) { return lm_this->cpu; }
static inline struct lm_cpu *cpu_of(int cpu) { return &lm.cpus[cpu]; }
static inline struct rq *this_rq(void) { return &lm_this->rq; }
static inline struct task_struct *get_current(void)
{
	return lm_this->rq.current_task;
}
#define current get_current()

static inline void count_add(enum lm_counter c, uint64_t n)
{
	struct lm_cpu *cpu = lm_this;

	if (cpu) {
		int irq = atomic_load_explicit(&cpu->irq.in_irq, memory_order_relaxed) ? 1 : 0;

		cpu->cnt[irq][c] += n;
		cpu->pcnt[irq ? PH_IRQ : cpu->phase][c] += n;
	}
}
static inline void count_event(enum lm_counter c)
{
	count_add(c, 1);
}

/* Enter a phase; returns the one to restore with lm_phase_set(old). */
static inline int lm_phase_set(int ph)
{
	struct lm_cpu *cpu = lm_this;
	int old;

	if (!cpu)
		return PH_OTHER;
	old = cpu->phase;
	cpu->phase = ph;
	return old;
}

/* smp_mb(): a counted full barrier; also satisfies rq->mb_pending. */
static inline void smp_mb(void)
{
	lm_fence();
	count_event(CNT_FENCE);
	if (lm_this)
		lm_this->rq.mb_pending = false;
}

/* A LOCK'd RMW is a full barrier on x86: note it for membarrier. */
static inline void note_locked_op(enum lm_counter c)
{
	count_event(c);
	if (lm_this)
		lm_this->rq.mb_pending = false;
}

/* ------------------------------------------------------------------ */
/* smp.c - irqs and IPIs (kernel/smp.c, arch/x86/include/asm/irqflags.h) */
void local_irq_disable(void);
void local_irq_enable(void);
unsigned long local_irq_save(void);
void local_irq_restore(unsigned long flags);
bool irqs_disabled(void);
void preempt_disable(void);
void preempt_enable(void);
int smp_call_function_single(int cpu, void (*func)(void *), void *info, int wait);
void smp_call_function_many(const uint64_t *mask, void (*func)(void *), void *info, int wait);
void on_each_cpu_mask(const uint64_t *mask, void (*func)(void *), void *info, int wait);
void on_each_cpu_cond_mask(bool (*cond)(int cpu, void *info), void (*func)(void *),
			   void *info, int wait, const uint64_t *mask);
void generic_smp_call_function_interrupt(void);
void lm_irq_poll(void);
int smp_init_signals(void);
bool lm_wait_expired(uint64_t deadline, const char *what);
uint64_t lm_deadline(void);

/* sched.c - kernel/sched/core.c */
void schedule(void);
void try_to_wake_up(struct task_struct *p, int cpu_hint);
void wake_up_new_task(struct task_struct *p, int cpu);
void context_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next);
void finish_task_switch(struct task_struct *prev);
void do_task_dead(void);
void cpu_loop(struct lm_cpu *c);
void activate_task_on(struct task_struct *p, int cpu);
struct task_struct *task_alloc(unsigned int flags, task_step_fn step, void *prog);
void sched_init_cpu(struct lm_cpu *c);
void idle_task_exit(void);
void finish_cpu(int dead_cpu);
int select_task_rq(struct task_struct *p, int hint);

/* tlb.c - arch/x86/mm/tlb.c */
void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk);
void switch_mm_irqs_off(struct mm_struct *unused, struct mm_struct *next, struct task_struct *tsk);
void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk);
void leave_mm(void);
void flush_tlb_mm_range(struct mm_struct *mm, bool full, bool freed_tables);
void flush_tlb_func(void *info);
void initialize_tlbstate_and_flush(void);
bool cpumask_test_cpu(int cpu, const _Atomic uint64_t *mask);
void cpumask_snapshot(const _Atomic uint64_t *mask, uint64_t *out);
int cpumask_weight_snapshot(const _Atomic uint64_t *mask);
void touch_user_memory(struct mm_struct *mm);

/* mm.c - kernel/fork.c, exit.c, fs/exec.c, kthread.c, mm/mmap.c */
struct mm_struct *mm_alloc(void);
struct mm_struct *dup_mm(struct mm_struct *oldmm);
void mmget(struct mm_struct *mm);
bool mmget_not_zero(struct mm_struct *mm);
void mmput(struct mm_struct *mm);
void mmgrab(struct mm_struct *mm);
void mmdrop(struct mm_struct *mm);
void __mmdrop(struct mm_struct *mm);
void mmgrab_lazy_tlb(struct mm_struct *mm);
void mmdrop_lazy_tlb(struct mm_struct *mm);
void mmdrop_lazy_tlb_sched(struct mm_struct *mm);
void exit_mm(void);
int exec_mmap(struct mm_struct *mm);
void kthread_use_mm(struct mm_struct *mm);
void kthread_unuse_mm(struct mm_struct *mm);
int do_mmap(struct mm_struct *mm);
void do_munmap(struct mm_struct *mm);
void do_task_exit(struct task_struct *tsk);

/* check.c - the safety checkers, quarantine, counters, event ring */
enum lm_site_kind { SITE_MM, SITE_PGD, SITE_TABLE };
bool check_mm(struct mm_struct *mm, uint32_t gen, enum lm_invariant inv, const char *site);
bool check_mm_live(struct mm_struct *mm, enum lm_invariant inv, const char *site);
void check_pgtable(struct pgtable *pt, uint32_t gen, enum lm_invariant inv, const char *site);
void lm_violation(enum lm_invariant inv, int mm_id, uint32_t gen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void speculative_walk(void);
void lm_event(uint16_t what, struct task_struct *t, struct mm_struct *mm);
struct pgtable *pgtable_alloc(int level, int owner);
void pgtable_free(struct pgtable *pt);
struct mm_struct *mm_struct_alloc(void);
void mm_struct_free(struct mm_struct *mm);
void task_free(struct task_struct *t);
void task_register(struct task_struct *t);
void lm_quarantine_release(void);
int lm_leak_check(FILE *out);
uint64_t lm_now_ns(void);
uint64_t lm_rand(struct lm_cpu *c);
void lm_sim_point(int point);
uint64_t lm_total(enum lm_counter c);
uint64_t lm_phase_total(int ph, enum lm_counter c);
uint64_t lm_total_violations(void);
void lm_print_counters(FILE *out);
void lm_dump_state(FILE *out);
void lm_counters_reset(void);
void lm_spin_ns(uint64_t ns);
void lm_teardown_record(struct mm_struct *mm);
void lm_teardown_stats(uint64_t *count, uint64_t *sum_ns, uint64_t *max_ns,
		       uint64_t *cpus_exit_mmap, uint64_t *cpus_mmdrop);

/* machine.c - bring-up and shutdown */
int lm_machine_init(const struct lm_config *cfg);
int lm_machine_start(void (*cpu_main)(struct lm_cpu *));
void lm_machine_stop(void);
int lm_machine_fini(FILE *out);
int lm_machine_offline_all(void);
void lm_idle_offline(struct lm_cpu *c);
int lm_host_cpus(void);

/* Model points where torture injects delays and page walks, and where a
 * scenario can park a CPU (see cli/scenario.c). */
enum lm_point {
	SP_NONE,
	SP_CTXSW_BEFORE_SWITCH_MM,   /* context_switch(): irqs off, before switch_mm */
	SP_CTXSW_AFTER_SWITCH,       /* after switch_to, before finish_task_switch */
	SP_FINISH_BEFORE_DROP,       /* finish_task_switch(): irqs on, before the lazy drop */
	SP_SWITCH_MM_LAZY_RETURN,    /* switch_mm_irqs_off(): is_lazy cleared, before tlb_gen read */
	SP_SWITCH_MM_SWITCHING,      /* loaded_mm == LOADED_MM_SWITCHING */
	SP_SWITCH_MM_PUBLISHED,      /* loaded_mm = next published, switch_ldt() not yet */
	SP_FLUSH_AFTER_GEN,          /* flush_tlb_mm_range(): tlb_gen bumped, mask not read */
	SP_EXIT_MMAP_BEFORE_FLUSH,
	SP_EXIT_MMAP_AFTER_FREE,
	SP_MMDROP_BEFORE_CLEANUP,    /* __mmdrop() before the scheme's cleanup */
	SP_MMDROP_BEFORE_FREE,       /* __mmdrop() after cleanup, before freeing */
	SP_EXEC_AFTER_ACTIVATE,      /* exec_mmap(): irqs on, before the lazy drop */
	SP_KTHREAD_USE_AFTER_GET,    /* after mmget_not_zero, before kthread_use_mm */
	SP_KTHREAD_USE_AFTER_SWITCH, /* kthread_use_mm(): irqs on, before the lazy drop */
	SP_EXIT_MM_LAZY,             /* exit_mm(): lazy on own mm, before mmput */
	SP_IDLE,                     /* the idle loop */
	SP_SC_HOLD,                  /* a scenario holds a CPU (irqs off) */
	SP_NR
};
extern const char *const lm_point_names[SP_NR];
/* Installed by a driver: at a preemption point, returns the CPU the task
 * is moved to (it is preempted there), or -1 to go on. */
extern int (*lm_preempt_hook)(struct task_struct *tsk, int point);
/* Installed by a driver: called at each model point. */
extern void (*lm_point_hook)(int point);
static inline void sim_point(int point)
{
	if (unlikely(lm_point_hook != NULL))
		lm_point_hook(point);
}

/* Event codes for the per-CPU ring. */
enum lm_ev {
	EV_SWITCH_UU = 1, EV_SWITCH_UK, EV_SWITCH_KU, EV_SWITCH_KK,
	EV_LOAD_MM, EV_LAZY, EV_LAZY_RETURN, EV_EVICT, EV_FLUSH, EV_FLUSH_RECV,
	EV_IPI_RECV, EV_GRAB, EV_DROP, EV_EXIT_MM, EV_EXIT_MMAP, EV_MMDROP_FREE,
	EV_EXEC, EV_USE_MM, EV_UNUSE_MM, EV_SHOOT, EV_OFFLINE, EV_MIGRATE,
	EV_NR
};

#endif /* LAZYMM_MODEL_H */
