/*
 * lazy.h - the interface every lazy-mm tracking scheme implements.
 *
 * The model core calls these hooks at the points where Linux v6.11 calls the
 * lazy-TLB helpers of include/linux/sched/mm.h and cleanup_lazy_tlbs() of
 * kernel/fork.c.  A scheme is one file exporting one `struct lazy_tlb_ops`;
 * registry.c lists them.  The core never tests which scheme runs.
 *
 * Calling contexts (what the core guarantees, as the kernel does):
 *   grab           irqs off; the mm is alive (a running user task of it,
 *                  or a kthread holding a real reference)
 *   drop_sched     finish_task_switch(): irqs on, after the CPU switched
 *                  away from the mm (rq->prev_mm)
 *   drop           exec_mmap() / kthread_use_mm(): irqs on, PREEMPTIBLE —
 *                  the task may have migrated since drop_switched ran
 *   drop_switched  exec_mmap() / kthread_use_mm(): irqs off, on the CPU
 *                  that has just switched away from the lazy mm
 *   drop_offline   finish_cpu(): on the controlling CPU, for a dead CPU
 *   left_lazy      a CPU left its lazy mm without a context switch
 *                  (flush_tlb_func() lazy eviction, leave_mm()); irqs off
 *   cleanup        __mmdrop(), before the pgd and the mm are freed; irqs on,
 *                  may send waiting IPIs
 *   mmput_last     optional: __mmput(), mm_users is 0 (no new lazy user can
 *                  appear, I7), after exit_mmap(), before the mm_users
 *                  group's mmdrop(): the caller holds that mm_count
 *                  reference; irqs on, on the CPU of the last mmput(),
 *                  which may itself be lazy on the mm (exit_mm())
 */
#ifndef LAZYMM_LAZY_H
#define LAZYMM_LAZY_H

#include "../model.h"

/*
 * A deliberately broken variant.  It declares what it changes as mutation
 * bits (machine.h: LM_MUT_* for the x86 model, LM_MUT_SCHEME(n) for the
 * scheme's own), resolved once at init into lm.mutations; the code tests
 * them with lazy_mutated().  A mutant never writes machine state itself.
 */
struct lazy_mutant {
	const char *name;
	const char *desc;
	const char *caught_by;     /* the check expected to catch it */
	uint64_t mutations;
};

/* What a scheme is to the benchmark and the checks. */
enum lazy_role {
	LAZY_NORMAL,               /* a correct scheme */
	LAZY_BASELINE,             /* the correct scheme others are compared to (refcount) */
	LAZY_LIMIT,                /* the unsafe performance limit (none): violations expected */
};

struct lazy_tlb_ops {
	const char *name;
	const char *desc;
	enum lazy_role role;
	/* the x86 order choices this scheme needs (machine.h) */
	struct lm_x86_order x86;
	int  (*init)(void);
	void (*fini)(void);
	void (*grab)(struct mm_struct *mm);                 /* mmgrab_lazy_tlb() */
	void (*drop)(struct mm_struct *mm);                 /* mmdrop_lazy_tlb() */
	void (*drop_sched)(struct mm_struct *mm);           /* mmdrop_lazy_tlb_sched() */
	void (*drop_switched)(struct mm_struct *mm);        /* optional */
	void (*drop_offline)(int dead_cpu, struct mm_struct *mm);
	void (*left_lazy)(struct mm_struct *mm);            /* optional */
	void (*cleanup)(struct mm_struct *mm);              /* cleanup_lazy_tlbs() */
	void (*mmput_last)(struct mm_struct *mm);           /* optional, in __mmput() */
	/* context_switch() kernel->user, irqs off, before switch_mm_irqs_off():
	 * no correct scheme needs it (hazptr's clear-before-switch mutant does) */
	void (*before_switch_mm)(struct mm_struct *lazy_mm);
	/* the lazy reference is mm_count: the drop hooks dereference the mm,
	 * and every lazy grab and drop is a shared RMW (refcount) */
	bool drop_derefs_mm;
	/* the lazy grab is itself a full barrier (a LOCK'd RMW, or an
	 * explicit smp_mb()): switch_mm_cid()'s smp_mb__after_mmgrab() may
	 * stay a no-op on user->kernel, as on x86 v6.11 (sched.c) */
	bool grab_full_barrier;

	const struct lazy_mutant *mutants;                  /* NULL-terminated by name */
};

extern const struct lazy_tlb_ops *const lazy_schemes[];
const struct lazy_tlb_ops *lazy_find(const char *name);
/* The name of the (first) scheme with that role: "refcount", "none". */
const char *lazy_role_scheme(enum lazy_role role);
const struct lazy_mutant *lazy_find_mutant(const struct lazy_tlb_ops *ops, const char *name);

/* The running scheme, and whether its mutant changes `m` (machine.h). */
static inline const struct lazy_tlb_ops *lazy_ops(void) { return lm.cfg.ops; }
static inline bool lazy_mutated(uint64_t m) { return lm_mutated(m); }
static inline bool lazy_safe(const struct lazy_tlb_ops *ops) { return ops->role != LAZY_LIMIT; }

/* The empty hooks of the schemes that need nothing there (registry.c):
 * REFCOUNT=n's mmgrab_lazy_tlb(), a drop_offline with nothing to drop. */
void lazy_nop(struct mm_struct *mm);
void lazy_nop_offline(int dead_cpu, struct mm_struct *mm);

/*
 * The teardown's IPIs, shared by the schemes that send them (registry.c).
 * A handler gets the dying mm and the CPU that sends the IPIs; the
 * initiator's own call runs locally and is never "wasted".
 */
struct lazy_shoot {
	struct mm_struct *mm;
	int initiator;
};
/* The handler had nothing to do here: count a wasted IPI unless local. */
void lazy_shoot_nothing(const struct lazy_shoot *a);
/* The teardown found this CPU using a->mm for real: I7, in every scheme. */
void lazy_shoot_real_user(const struct lazy_shoot *a);
/* Models do_shoot_lazy_tlb() (kernel/fork.c): if this CPU's current task
 * borrows a->mm lazily, move it to init_mm; true if it did.  Compares
 * pointers only, never dereferences the mm. */
bool lazy_shoot_lazy_tlb(const struct lazy_shoot *a);
/* Models do_check_lazy_tlb() (kernel/fork.c, DEBUG_VM_SHOOT_LAZIES): no CPU
 * still borrows the mm after the shootdown (I6).  info: a lazy_shoot. */
void do_check_lazy_tlb(void *info);

#endif /* LAZYMM_LAZY_H */
