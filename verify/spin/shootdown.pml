/*
 * shootdown.pml - lazy mms shot down at __mmdrop() (powerpc book3s64,
 * CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y, REFCOUNT=n).
 *
 * Models kernel/fork.c (v6.11): mmgrab_lazy_tlb() does nothing,
 * mmdrop_lazy_tlb*() are smp_mb() only; __mmdrop() runs cleanup_lazy_tlbs():
 * on_each_cpu_mask(mm_cpumask(mm), do_shoot_lazy_tlb, mm, wait=1), which runs
 * locally too; do_shoot_lazy_tlb() moves a CPU whose current->active_mm is
 * mm to init_mm.  The MMU follows powerpc (-DARCH_PPC): mm_cpumask bits are
 * never cleared on a switch, a lazy CPU keeps the mm's context loaded, and
 * exit_mmap() flushes by tlbie broadcast without IPIs, so the shootdown is
 * the only thing that moves lazy CPUs off the mm.
 * C model: model/lazy/shootdown.c (cleanup), do_shoot_lazy_tlb() (lazy.h).
 *
 *   prev -> next     shootdown action
 *   kernel->kernel   none (active_mm handed over)
 *   user  ->kernel   none (grab is empty)
 *   kernel->user     smp_mb() after switch_mm (drop_sched)
 *   user  ->user     none
 *   __mmdrop         IPI every CPU in mm_cpumask (incl. self), wait, free
 *
 * Property: I1, I3, no leak, no deadlock (I2 is the tlbie's job).  Expect: pass
 * Twin -DMUTANT_NO_WAIT (shootdown/no-wait): the IPIs are sent but not
 *   waited for; the pgd is freed under a CPU that has not run them yet.
 *   Expect: violation
 * Twin -DMUTANT_SKIP_LAZY_CPUS (shootdown/skip-lazy-cpus): only CPUs that
 *   are not lazy are targeted.  Expect: violation
 * -DSHOOTDOWN_X86: x86 v6.11 MMU rules (see left_lazy() below).
 *   Expect: violation (a finding, not a mutant)
 */
#ifndef SHOOTDOWN_X86
#define ARCH_PPC
#endif
#include "lazymm-defs.pml"

inline init_lazy(c, m) { skip }
inline grab(me, m) { skip }
inline drop_sched(me, m) { atomic { smp_mb(me) } }
inline drop_switched(me, m) { smp_mb(me) }
#define LATE_DROP(m) NOMM
inline drop_preempt(me, m) { skip }
inline pre_switch_mm(me) { skip }

/*
 * -DSHOOTDOWN_X86: run the scheme on x86 v6.11 MMU rules instead, keeping
 * its precondition the way the C model does: a lazy CPU that a flush moves
 * to init_mm also gets active_mm = init_mm (left_lazy), so every CPU whose
 * active_mm is mm has its bit in mm_cpumask.  Not enough: v6.11 clears the
 * bit before the CR3 write, so a CPU switching away is not shot down while
 * CR3 still holds mm (run finding/shootdown-x86-switch-window).
 */
inline left_lazy(me)
{
#ifdef SHOOTDOWN_X86
	if
	:: active_mm[me] == MM && !IS_TH(cur[me]) -> active_mm[me] = INIT_MM
	:: else -> skip
	fi
#else
	skip
#endif
}

/* do_shoot_lazy_tlb(mm): compares pointers only. */
inline shoot(me)
{
	if
	:: active_mm[me] == MM -> active_mm[me] = INIT_MM; switch_mm_irqs_off(me, INIT_MM)
	:: else -> skip
	fi
}

#ifdef MUTANT_SKIP_LAZY_CPUS
#define SHOOT_TARGET(c) (!is_lazy[c])
#else
#define SHOOT_TARGET(c) 1
#endif

/* cleanup_lazy_tlbs(mm) */
inline cleanup(me)
{
	i = 0;
	do
	:: atomic {
		i < NCPU ->
		if
		:: i != me && MASK_HAS(i) && SHOOT_TARGET(i) -> send_ipi(me, i, F_SHOOT, 0)
		:: else -> skip
		fi;
		i++
	   }
	:: else -> i = 0; break
	od;
	atomic {
		if
		:: MASK_HAS(me) && SHOOT_TARGET(me) -> shoot(me)
		:: else -> skip
		fi
	}
#ifndef MUTANT_NO_WAIT
	wait_ipis(me)
#endif
}

inline mmput_last(me) { skip }
inline next_switch(me) { skip }

#include "lazymm.pml"
