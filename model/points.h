/*
 * points.h - named model points and the event codes of the per-CPU ring.
 *
 * At a model point the driver's point hook runs (machine.h, struct
 * lm_hooks): torture injects delays and page walks there, a scenario parks
 * a CPU there (tests/model/scenario-engine.c), the benchmark measures
 * teardowns.
 */
#ifndef LAZYMM_POINTS_H
#define LAZYMM_POINTS_H

#include "machine.h"

/* The one list: each point's enum name and printed name. */
#define LM_POINTS(X) \
	X(SP_NONE, "none") \
	X(SP_CTXSW_BEFORE_SWITCH_MM, "context_switch.before_switch_mm") /* context_switch(): irqs off, before switch_mm */ \
	X(SP_CTXSW_AFTER_SWITCH, "context_switch.after_switch")       /* after switch_to, before finish_task_switch */ \
	X(SP_FINISH_BEFORE_DROP, "finish_task_switch.before_drop")    /* finish_task_switch(): irqs on, before the lazy drop */ \
	X(SP_SWITCH_MM_LAZY_RETURN, "switch_mm_irqs_off.lazy_return") /* switch_mm_irqs_off(): is_lazy cleared, before tlb_gen read */ \
	X(SP_SWITCH_MM_SWITCHING, "switch_mm_irqs_off.switching")     /* loaded_mm == LOADED_MM_SWITCHING */ \
	X(SP_SWITCH_MM_PUBLISHED, "switch_mm_irqs_off.published")     /* loaded_mm = next published, switch_ldt() not yet */ \
	X(SP_FLUSH_AFTER_GEN, "flush_tlb_mm_range.after_gen")         /* flush_tlb_mm_range(): tlb_gen bumped, mask not read */ \
	X(SP_EXIT_MMAP_BEFORE_FLUSH, "exit_mmap.before_flush")        /* (mm) */ \
	X(SP_EXIT_MMAP_AFTER_FREE, "exit_mmap.after_free") \
	X(SP_MMDROP_BEFORE_CLEANUP, "__mmdrop.before_cleanup")        /* (mm) __mmdrop() before the scheme's cleanup */ \
	X(SP_MMDROP_BEFORE_FREE, "__mmdrop.before_free")              /* (mm) __mmdrop() after cleanup, before freeing */ \
	X(SP_EXEC_AFTER_ACTIVATE, "exec_mmap.after_activate")         /* exec_mmap(): irqs on, before the lazy drop */ \
	X(SP_KTHREAD_USE_AFTER_GET, "kthread.after_mmget_not_zero")   /* after mmget_not_zero, before kthread_use_mm */ \
	X(SP_KTHREAD_USE_AFTER_SWITCH, "kthread_use_mm.after_switch") /* kthread_use_mm(): irqs on, before the lazy drop */ \
	X(SP_EXIT_MM_LAZY, "exit_mm.lazy")                            /* exit_mm(): lazy on own mm, before mmput */ \
	X(SP_IDLE, "idle")                                            /* the idle loop */ \
	X(SP_SC_HOLD, "scenario.hold")                                /* a scenario holds a CPU (irqs off) */ \
	X(SP_MMPUT_LAST, "__mmput.users_zero")                        /* (mm) __mmput(): mm_users reached 0 */ \
	X(SP_KHUGEPAGED_SLOT, "khugepaged.before_mmget_not_zero")     /* khugepaged-like scan: slot loaded, before mmget_not_zero() */ \
	X(SP_SWITCH_MM_LAZY_GEN_READ, "switch_mm_irqs_off.lazy_gen_read") /* lazy return: next->tlb_gen read */ \
	X(SP_EXEC_BEFORE_ACTIVATE, "exec_mmap.before_activate")       /* active_mm = mm set, before activate_mm() (irqs on unless ARCH_WANT_IRQS_OFF_ACTIVATE_MM) */ \
	X(SP_KTHREAD_USE_BEFORE_SWITCH, "kthread_use_mm.before_switch") /* active_mm = mm set, irqs off, before the switch */ \
	X(SP_EXIT_MM_IRQS_OFF, "exit_mm.irqs_off")                    /* exit_mm(): tsk->mm = NULL, lazy grab taken, irqs off */ \
	X(SP_CPU_DYING, "cpu_dying.before_idle_task_exit")            /* the offline window: take_cpu_down() done, before idle_task_exit() */ \
	X(SP_LAZY_SCAN_REMOTE, "teardown_scan.remote_lazy")           /* a __mmput() scan found another CPU lazy on the mm (andy2020, andy2022) */ \
	X(SP_SCHED_CURR_STORED, "schedule.curr_stored")               /* __schedule(): rq->curr = next stored (mm changes), irqs off, before any full barrier */ \
	X(SP_EFI_CALL, "efi.call")                                    /* between efi_enter_mm() and efi_leave_mm(), irqs on */

enum lm_point {
	LM_POINTS(LM_ENUM_ENTRY)
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
