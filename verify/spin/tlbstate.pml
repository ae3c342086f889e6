/*
 * tlbstate.pml - no lazy reference at all: cpu_tlbstate.loaded_mm is the
 * only record (Linus Torvalds' proposal, Oct 2024; never merged), on x86
 * v6.11.
 *
 * Switching to a kernel thread only sets is_lazy; active_mm is not used.
 * Teardown relies on the freed_tables flush of exit_mmap(): it IPIs every
 * CPU in mm_cpumask, lazy ones included, and each lazy one switches to
 * init_mm before the tables are freed.  For an mm whose flush sends no IPI
 * (no page tables, or a broadcast flush), __mmdrop() does a filtered
 * shootdown: an IPI to every CPU of mm_cpumask whose loaded_mm is still mm
 * (or LOADED_MM_SWITCHING), which switches it to init_mm.  The mask is the
 * candidate set, as in the 6.12 kernel series (kernel/patches-6.12/0002,
 * 0009, 0010), because a CPU leaves mm_cpumask(prev) only once CR3 and
 * switch_ldt() are done with prev (CPUMASK_CLEAR_LATE).  The lazy return to
 * the same mm keeps the tlb_gen handshake of switch_mm_irqs_off().
 * C model: model/lazy/tlbstate.c (cleanup), model/tlb.c.
 *
 *   prev -> next     tlbstate action
 *   kernel->kernel   none
 *   user  ->kernel   is_lazy = true (enter_lazy_tlb) only
 *   kernel->user     switch_mm_irqs_off() only; same mm: the tlb_gen check
 *   user  ->user     none
 *   __mmdrop         IPI CPUs of mm_cpumask with loaded_mm == mm (or
 *                    SWITCHING), wait, free
 *
 * Property: I1-I4, no leak, no deadlock.                    Expect: pass
 *   (run twice: the exit scenario, and -DNTHR=2 -DMUNMAP -DTSO, where a
 *    munmap() flush races with a lazy return on x86-TSO)
 * Twin -DMUTANT_FLUSH_SKIPS_LAZY (tlbstate/flush-skips-lazy): the
 *   freed_tables flush skips lazy CPUs.  Expect: violation
 * Twin -DMUTANT_NO_MMDROP_SHOOTDOWN (tlbstate/no-mmdrop-shootdown).
 *   Expect: violation
 * Twin -DNTHR=2 -DMUNMAP -DTSO -DMUTANT_NO_LAZY_RETURN_MB
 *   (tlbstate/no-lazy-return-mb): no smp_mb() between is_lazy = false and
 *   the tlb_gen read.  Expect: violation
 * Twin -DMUTANT_CPUMASK_CLEAR_EARLY (tlbstate/cpumask-clear-early): v6.11's
 *   order, the bit cleared before the CR3 write, with the mask filter: a
 *   CPU still running on mm is outside the candidate set.  Expect: violation
 */
/*
 * Without a lazy reference nothing keeps prev alive once loaded_mm = next is
 * published (the filtered shootdown no longer sees this CPU), so the read
 * of prev->context.ldt in switch_ldt() must come before the publish.  v6.11
 * reads it after: -DV611_SWITCH_LDT keeps that order, and SPIN finds the
 * use-after-free (run finding/tlbstate-v6.11-switch-ldt).
 */
#ifndef V611_SWITCH_LDT
#define SWITCH_LDT_EARLY
#endif
#ifndef MUTANT_CPUMASK_CLEAR_EARLY
#define CPUMASK_CLEAR_LATE
#endif
#include "lazymm-defs.pml"


inline init_lazy(c, m) { skip }
inline grab(me, m) { skip }
inline drop_sched(me, m) { skip }
inline drop_switched(me, m) { skip }
#define LATE_DROP(m) NOMM
inline drop_preempt(me, m) { skip }
inline left_lazy(me) { skip }
inline pre_switch_mm(me) { skip }

/* the shootdown IPI: leave mm if it is still loaded here */
inline shoot(me)
{
	if
	:: loaded_mm[me] == MM -> switch_mm_irqs_off(me, INIT_MM)
	:: else -> skip
	fi
}

/* cleanup_lazy_tlbs(mm) with the series' filter: for the CPUs of
 * mm_cpumask, on_each_cpu_cond(loaded_mm == mm, shoot, wait=1).  A remote
 * loaded_mm of LOADED_MM_SWITCHING counts as a match: CR3 may still hold
 * mm (the fea4e317f9e7 lesson). */
inline cleanup(me)
{
#ifndef MUTANT_NO_MMDROP_SHOOTDOWN
	i = 0;
	do
	:: atomic {
		i < NCPU ->
		if
		:: i != me && MASK_HAS(i) && (loaded_mm[i] == MM || loaded_mm[i] == SWITCHING) ->
			send_ipi(me, i, F_SHOOT, 0)
		:: else -> skip
		fi;
		i++
	   }
	:: else -> i = 0; break
	od;
	atomic { shoot(me) };
	wait_ipis(me)
#else
	skip
#endif
}

inline mmput_last(me) { skip }
inline next_switch(me) { skip }

#include "lazymm.pml"
