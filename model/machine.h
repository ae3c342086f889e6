/*
 * machine.h - the simulated machine: its configuration, the driver's hooks,
 * the global `lm`, and the per-CPU accessors the kernel spells
 * this_cpu/smp_processor_id/current.
 */
#ifndef LAZYMM_MACHINE_H
#define LAZYMM_MACHINE_H

#include "invariants.h"
#include "percpu.h"

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
	bool debug_shoot_lazies;          /* DEBUG_VM_SHOOT_LAZIES: shootdown's check round */
	bool pin;                         /* pin CPU threads to host cores */
	uint64_t switch_work_ns;          /* extra work per context switch (bench calibration) */
	bool hotplug;                     /* CPU 0 cycles the others offline/online (harness.h) */
	uint64_t wait_timeout_ns;         /* bound on every model wait */
	int max_reports;                  /* violations printed in full */
};

/*
 * The x86 switch_mm_irqs_off()/exec_mmap() order choices a scheme may
 * need, declared in its ops (lazy.h) and copied into lm.x86 at init; a
 * mutant that puts the v6.11 order back clears one (machine.c).
 *  cpumask_clear_late: clear this CPU's bit in mm_cpumask(prev) only at
 *    the end, when CR3 and switch_ldt() are done with prev (a teardown
 *    that IPIs mm_cpumask: shootdown);
 *  switch_ldt_early: read prev's LDT state before loaded_mm = next is
 *    published (a teardown that reads loaded_mm: tlbstate);
 *  irqs_off_activate_mm: ARCH_WANT_IRQS_OFF_ACTIVATE_MM, exec_mmap()
 *    keeps irqs off across activate_mm() (powerpc selects it).
 */
struct lm_x86_order {
	bool cpumask_clear_late;
	bool switch_ldt_early;
	bool irqs_off_activate_mm;
	/* cond_mitigation() compares the never-reused ctx_id instead of the
	 * raw mm pointer in cpu_tlbstate.last_user_mm_spec: needed by every
	 * scheme that frees an mm while a CPU that ran it idles (I13) */
	bool ibpb_ctx_id;
	/* efi_enter_mm() in a kernel thread gives its lazy mm up (as
	 * kthread_use_mm() does) and efi_leave_mm() returns to init_mm, not to
	 * current->active_mm, which nothing keeps alive meanwhile (the kernel
	 * series' efi_64.c change) */
	bool efi_leave_init_mm;
};

/*
 * Mutations: what a deliberately broken variant changes, as bits resolved
 * once at init from the mutant's declaration (lazy.h: struct lazy_mutant).
 * The low bits are changes to the x86 model, read by the core; each scheme
 * numbers its own with LM_MUT_SCHEME(n) and reads them in its file.
 */
enum {
	LM_MUT_FLUSH_SKIPS_LAZY    = 1u << 0,  /* freed_tables flushes skip lazy CPUs */
	LM_MUT_NO_LAZY_RETURN_MB   = 1u << 1,  /* no smp_mb() on the lazy return */
	LM_MUT_CPUMASK_CLEAR_EARLY = 1u << 2,  /* clears lm.x86.cpumask_clear_late */
	LM_MUT_SWITCH_LDT_LATE     = 1u << 3,  /* clears lm.x86.switch_ldt_early */
	LM_MUT_IRQS_ON_ACTIVATE_MM = 1u << 8,  /* clears lm.x86.irqs_off_activate_mm */
	LM_MUT_KTHREAD_USE_IRQS_ON = 1u << 9,  /* kthread_use_mm() switches with irqs on */
	LM_MUT_DROP_IRQS_OFF       = 1u << 10, /* finish_task_switch() drops before irqs on */
	LM_MUT_NO_DYING_WAIT       = 1u << 11, /* a teardown does not wait for a dying CPU */
	LM_MUT_NO_SYNC_DEAD        = 1u << 12, /* the controller takes a dying CPU for dead */
	/* the barriers membarrier and mm_cid need (I9, membarrier.c) */
	LM_MUT_NO_MB_AFTER_MMGRAB  = 1u << 4,  /* smp_mb__after_mmgrab() a no-op although the grab has no atomic */
	LM_MUT_NO_CID_MB           = 1u << 5,  /* switch_mm_cid(): no smp_mb() on kernel->user */
	LM_MUT_MB_NO_ENTRY_MB      = 1u << 6,  /* membarrier(): no smp_mb() before reading rq->curr */
	LM_MUT_MB_NO_EXIT_MB       = 1u << 7,  /* membarrier(): no smp_mb() after the IPIs */
	LM_MUT_MB_IPI_NO_MB        = 1u << 13, /* ipi_mb() without its smp_mb() */
	LM_MUT_IBPB_MM_POINTER     = 1u << 14, /* clears lm.x86.ibpb_ctx_id */
	LM_MUT_EFI_LEAVE_ACTIVE_MM = 1u << 15, /* clears lm.x86.efi_leave_init_mm */
};
#define LM_MUT_SCHEME(n) (1ull << (16 + (n)))

/*
 * What a driver (harness.h) installs: called by the model, on the CPU
 * threads.  All optional.
 *  tick     each iteration of a CPU's loop (model timers)
 *  idle     each idle iteration
 *  point    each model point (points.h); mm is the mm the point concerns,
 *           NULL at points that concern none
 *  preempt  at a preemption point: the CPU the task is moved to (it is
 *           preempted there), or -1 to go on
 */
struct lm_hooks {
	void (*tick)(struct lm_cpu *c);
	void (*idle)(struct lm_cpu *c);
	void (*point)(int point, struct mm_struct *mm);
	int (*preempt)(struct task_struct *tsk, int point);
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
	_Atomic uint64_t cpu_online_mask;    /* cpu_online_mask (NR_CPUS_MAX == 64) */
	uint64_t mutations;                  /* LM_MUT_* of the selected mutant */
	struct lm_x86_order x86;             /* the scheme's, less what a mutant undid */
	struct lm_hooks hooks;
	void *run_arg;                       /* the driver's run state (harness.h) */
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

/* cpu_online(): the CPU is in cpu_online_mask.  seq_cst: the second half of
 * the sender's in_call ; read mask  against the dying CPU's clear ; read
 * in_call [pair:cpu-online] (cpu.c, take_cpu_down()). */
static inline bool cpu_online(int cpu)
{
	return (atomic_load_explicit(&lm.cpu_online_mask, memory_order_seq_cst) >> cpu) & 1;
}

/* Is a mutation of the selected mutant on? */
static inline bool lm_mutated(uint64_t m)
{
	return unlikely((lm.mutations & m) != 0);
}

/* Count an event, in its context's row and its phase's row (counters.h). */
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

/*
 * A full barrier executed on this CPU (smp_mb(), a LOCK'd RMW, a CR3
 * write): the membarrier checker's bookkeeping (I9, membarrier.c).  `seq`
 * has one writer, this CPU (an IPI handler runs on it too): a plain
 * load/store pair, never a LOCK'd increment on the fence path.
 */
static inline void lm_full_barrier_done(void)
{
	struct lm_cpu *c = lm_this;

	if (!c)
		return;
	atomic_store_explicit(&c->mb.seq, atomic_load_explicit(&c->mb.seq, memory_order_relaxed) + 1,
			      memory_order_release);
	if (c->rq.mb_pending) {
		c->rq.mb_pending = false;
		atomic_store_explicit(&c->mb.curr_unfenced, 0, memory_order_release);
	}
	c->mb.user_unfenced = false;
	c->mb.exit_pending = false;
}

/* smp_mb(): a counted full barrier. */
static inline void smp_mb(void)
{
	lm_fence();
	count_event(CNT_FENCE);
	lm_full_barrier_done();
}

/* A LOCK'd RMW is a full barrier on x86: note it for membarrier. */
static inline void note_locked_op(enum lm_counter c)
{
	count_event(c);
	lm_full_barrier_done();
}

/* machine.c - bring-up and shutdown (the harness, harness.h, drives them) */
int lm_machine_init(const struct lm_config *cfg);
int lm_machine_start(void (*cpu_main)(struct lm_cpu *));
void lm_machine_stop(void);
int lm_machine_fini(FILE *out);
int lm_machine_offline_all(void);
void lm_idle_offline(struct lm_cpu *c);
int lm_host_cpus(void);

/* machine.c - time and randomness */
uint64_t lm_now_ns(void);
uint64_t lm_rand(struct lm_cpu *c);
void lm_spin_ns(uint64_t ns);

/* trace.c - the per-CPU event ring and the hang post-mortem */
void lm_event(uint16_t what, struct task_struct *t, struct mm_struct *mm);
void lm_dump_state(FILE *out);

#endif /* LAZYMM_MACHINE_H */
