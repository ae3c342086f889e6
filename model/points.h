/*
 * points.h - named model points and the event codes of the per-CPU ring.
 *
 * At a model point the driver's point hook runs (machine.h, struct
 * lm_hooks): torture injects delays and page walks there, a scenario parks
 * a CPU there (cli/scenario.c), the benchmark measures teardowns.
 */
#ifndef LAZYMM_POINTS_H
#define LAZYMM_POINTS_H

#include "machine.h"

enum lm_point {
	SP_NONE,
	SP_CTXSW_BEFORE_SWITCH_MM,   /* context_switch(): irqs off, before switch_mm */
	SP_CTXSW_AFTER_SWITCH,       /* after switch_to, before finish_task_switch */
	SP_FINISH_BEFORE_DROP,       /* finish_task_switch(): irqs on, before the lazy drop */
	SP_SWITCH_MM_LAZY_RETURN,    /* switch_mm_irqs_off(): is_lazy cleared, before tlb_gen read */
	SP_SWITCH_MM_SWITCHING,      /* loaded_mm == LOADED_MM_SWITCHING */
	SP_SWITCH_MM_PUBLISHED,      /* loaded_mm = next published, switch_ldt() not yet */
	SP_FLUSH_AFTER_GEN,          /* flush_tlb_mm_range(): tlb_gen bumped, mask not read */
	SP_EXIT_MMAP_BEFORE_FLUSH,   /* (mm) */
	SP_EXIT_MMAP_AFTER_FREE,
	SP_MMDROP_BEFORE_CLEANUP,    /* (mm) __mmdrop() before the scheme's cleanup */
	SP_MMDROP_BEFORE_FREE,       /* (mm) __mmdrop() after cleanup, before freeing */
	SP_EXEC_AFTER_ACTIVATE,      /* exec_mmap(): irqs on, before the lazy drop */
	SP_KTHREAD_USE_AFTER_GET,    /* after mmget_not_zero, before kthread_use_mm */
	SP_KTHREAD_USE_AFTER_SWITCH, /* kthread_use_mm(): irqs on, before the lazy drop */
	SP_EXIT_MM_LAZY,             /* exit_mm(): lazy on own mm, before mmput */
	SP_IDLE,                     /* the idle loop */
	SP_SC_HOLD,                  /* a scenario holds a CPU (irqs off) */
	SP_MMPUT_LAST,               /* (mm) __mmput(): mm_users reached 0 */
	SP_KHUGEPAGED_SLOT,          /* a khugepaged-like scan loaded a slot's mm,
					before mmget_not_zero() (under its lock) */
	SP_NR
};
extern const char *const lm_point_names[SP_NR];

static inline void sim_point_mm(int point, struct mm_struct *mm)
{
	if (unlikely(lm.hooks.point != NULL))
		lm.hooks.point(point, mm);
}

static inline void sim_point(int point)
{
	sim_point_mm(point, NULL);
}

/* Event codes for the per-CPU ring. */
enum lm_ev {
	EV_SWITCH_UU = 1, EV_SWITCH_UK, EV_SWITCH_KU, EV_SWITCH_KK,
	EV_LOAD_MM, EV_LAZY, EV_LAZY_RETURN, EV_EVICT, EV_FLUSH, EV_FLUSH_RECV,
	EV_IPI_RECV, EV_GRAB, EV_DROP, EV_EXIT_MM, EV_EXIT_MMAP, EV_MMDROP_FREE,
	EV_EXEC, EV_USE_MM, EV_UNUSE_MM, EV_SHOOT, EV_OFFLINE, EV_MIGRATE,
	EV_NR
};
extern const char *const lm_event_names[EV_NR];

#endif /* LAZYMM_POINTS_H */
