/*
 * refcount.pml - lazy mms held by mm_count (x86 v6.11 default,
 * CONFIG_MMU_LAZY_TLB_REFCOUNT=y).
 *
 * Models include/linux/sched/mm.h (v6.11): mmgrab_lazy_tlb() is
 * atomic_inc(&mm->mm_count); mmdrop_lazy_tlb_sched() is mmdrop(), a fully
 * ordered atomic_dec_and_test() that runs __mmdrop() at zero, from
 * finish_task_switch() after the CR3 switch.  cleanup_lazy_tlbs() is empty.
 * C model: model/lazy/refcount.c (grab, drop_sched), model/mm.c.
 *
 *   prev -> next     refcount action
 *   kernel->kernel   the reference moves with active_mm
 *   user  ->kernel   mm_count++ (grab)
 *   kernel->user     mm_count-- after switch_mm (drop_sched), maybe __mmdrop
 *   user  ->user     none
 *   exit_mm          mm_count++ (grab), then mmput()
 *
 * Property: I1-I4, no leak, no deadlock.           Expect: pass
 * Twin -DMUTANT_NO_GRAB_INC  (refcount/no-grab-inc): the lazy grab does not
 *   increment; the last lazy drop decrements a freed mm.  Expect: violation
 */
#include "lazymm-defs.pml"


/* CPUs that start lazy on MM hold a lazy reference. */
inline init_lazy(c, m)
{
	if
	:: m == MM -> mm_count++
	:: else -> skip
	fi
}

/* mmgrab_lazy_tlb(): atomic_inc(&mm->mm_count) (LOCK'd). */
inline grab(me, m)
{
#ifndef MUTANT_NO_GRAB_INC
	if
	:: m == MM -> smp_mb(me); DEREF(MM); mm_count++;
		printf("cpu%d: mmgrab_lazy_tlb: mm_count = %d\n", me, mm_count)
	:: else -> skip
	fi
#else
	printf("cpu%d: mmgrab_lazy_tlb: MUTANT no increment\n", me)
#endif
}

/* mmdrop_lazy_tlb_sched(): mmdrop(). */
inline drop_sched(me, m)
{
	if
	:: m == MM -> mmdrop(me)
	:: else -> skip
	fi
}

/* exec_mmap()'s mmdrop_lazy_tlb(active_mm) runs preemptible (not exercised here). */
inline drop_switched(me, m) { skip }
#define LATE_DROP(m) (m)
inline drop_preempt(me, m) { drop_sched(me, m) }

inline left_lazy(me) { skip }
inline pre_switch_mm(me) { skip }
inline cleanup(me) { skip }
inline shoot(me) { skip }

inline mmput_last(me) { skip }
inline next_switch(me) { skip }

#include "lazymm.pml"
