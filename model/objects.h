/*
 * objects.h - the kernel objects the model allocates: page tables, mms,
 * tasks.
 *
 * Freed page tables and mms go to a quarantine (alloc.c): poisoned, their
 * generation bumped, never handed back to malloc during a run, optionally
 * reused at the same address to provoke ABA.
 */
#ifndef LAZYMM_OBJECTS_H
#define LAZYMM_OBJECTS_H

#include <stdbool.h>

#include "defs.h"

enum { OBJ_LIVE = 0x11, OBJ_FREED = 0xdd };

struct pgtable {
	_Atomic int state;
	_Atomic uint32_t gen;
	int level;                 /* 4: pgd, 1..3: lower levels */
	int owner_id;              /* mm id at allocation, for reports */
	struct pgtable *qnext;     /* quarantine list */
	struct pgtable *all_next;  /* every table of the run (alloc.c) */
};

struct mm_struct {
	/* read-mostly */
	_Atomic int state;
	_Atomic uint32_t gen;
	_Atomic int id;            /* model id, for reports (read racily via stale pointers) */
	uint64_t ctx_id;           /* never reused (arch/x86 mm->context.ctx_id) */
	struct pgtable *pgd;
	void *lazy_priv;           /* scheme-private per-mm data */
	_Atomic int membarrier_state;  /* MEMBARRIER_STATE_* (membarrier.c) */

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

	struct mm_struct *qnext;   /* quarantine list */
	struct mm_struct *all_next; /* every mm of the run (alloc.c) */
};

extern struct mm_struct init_mm;

static inline int mm_id(struct mm_struct *mm)
{
	return atomic_load_explicit(&mm->id, memory_order_relaxed);
}

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
	struct mm_struct *lazy_drop;         /* a scheme's reference this task drops in its mmdrop_lazy_tlb() (andy2020) */

	struct task_struct *rq_next;         /* runqueue link */
	struct task_struct *all_next;        /* list of all tasks (alloc.c) */
	bool dead;                           /* put_task_struct() done */
};
#define PF_KTHREAD 0x1u
#define PF_IDLE    0x2u

/* alloc.c - the allocator and its quarantine (no kernel equivalent: the
 * model's KASAN).  Objects are released at the end of the run. */
struct pgtable *pgtable_alloc(int level, int owner);
void pgtable_free(struct pgtable *pt);
struct mm_struct *mm_struct_alloc(void);
void mm_struct_free(struct mm_struct *mm);
void task_register(struct task_struct *t);
/* put_task_struct(): the task is dead; its memory is kept until the end
 * of the run (drivers may still hold its pointer). */
void put_task_struct(struct task_struct *t);
int lm_leak_check(FILE *out);
void lm_quarantine_release(void);
void lm_dump_tasks(FILE *out);

#endif /* LAZYMM_OBJECTS_H */
