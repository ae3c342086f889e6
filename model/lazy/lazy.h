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

struct lazy_mutant {
	const char *name;
	const char *desc;
	const char *caught_by;     /* the check expected to catch it */
};

struct lazy_tlb_ops {
	const char *name;
	const char *desc;
	bool safe;                 /* false for `none`: violations are expected */
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
	bool drop_derefs_mm;       /* drop hooks dereference the mm (refcount) */
	/* ARCH_WANT_IRQS_OFF_ACTIVATE_MM: exec_mmap() keeps irqs off across
	 * activate_mm(), as powerpc selects (and x86 since 2025) */
	bool irqs_off_activate_mm;

	const struct lazy_mutant *mutants;                  /* NULL-terminated by name */
};

extern const struct lazy_tlb_ops *const lazy_schemes[];
const struct lazy_tlb_ops *lazy_find(const char *name);
const struct lazy_mutant *lazy_find_mutant(const struct lazy_tlb_ops *ops, const char *name);

/* The running scheme, and whether a mutant of it is selected. */
static inline const struct lazy_tlb_ops *lazy_ops(void) { return lm.cfg.ops; }
bool lazy_mutant(const char *name);

/* Shared helper: the kernel's do_shoot_lazy_tlb() (kernel/fork.c), run on a
 * CPU by IPI: if this CPU's current task borrows mm lazily, move it to
 * init_mm.  Compares pointers only, never dereferences mm. */
void do_shoot_lazy_tlb(void *arg);

#endif /* LAZYMM_LAZY_H */
