/*
 * hazptr.pml - lazy mms protected by per-CPU hazard pointers (Mathieu
 * Desnoyers, "sched+mm: Track lazy active mm existence with hazard
 * pointers", RFC v3, Oct 2024), on x86 v6.11.
 *
 * Models the RFC's include/linux/sched/mm.h and kernel/fork.c: the lazy grab
 * is smp_mb() then a store of mm into this CPU's slot (hazptr_try_protect;
 * a full slot is only a WARN); the lazy drop is smp_mb() then a store of
 * NULL, after the CPU switched away.  cleanup_lazy_tlbs() is hazptr_scan():
 * smp_mb(), then for each CPU whose slot holds mm, a waiting IPI runs
 * do_shoot_lazy_tlb(), which moves it to init_mm and clears its slot (v3
 * callback mode: no wait on the slot itself).
 * exec: the drop of the kernel thread's lazy mm is done with irqs off on the
 * CPU that switched (drop_switched), the fix the design notes ask for.
 * C model: model/lazy/hazptr.c (grab, drop_sched, drop_switched, drop, cleanup).
 *
 *   prev -> next     hazard-pointer action
 *   kernel->kernel   none (the slot stays with the CPU)
 *   user  ->kernel   smp_mb(); slot = mm (grab)
 *   kernel->user     after switch_mm: smp_mb(); slot = NULL (drop_sched)
 *   user  ->user     none
 *   __mmdrop         smp_mb(); scan slots; IPI each holder; free
 *
 * Property: I1-I3, no leak, no deadlock.                    Expect: pass
 *   (run twice: the exit scenario, and -DSCEN_EXEC)
 * Twin -DMUTANT_NO_SCAN (hazptr/no-scan): __mmdrop() frees without the scan.
 *   Expect: violation
 * Twin -DMUTANT_CLEAR_BEFORE_SWITCH (hazptr/clear-before-switch): the slot is
 *   cleared in context_switch() before switch_mm_irqs_off().  Expect: violation
 * Twin -DSCEN_EXEC -DMUTANT_EXEC_DROP_AFTER_MIGRATE
 *   (hazptr/exec-drop-after-migrate): exec's drop runs preemptible and
 *   clears the slot of the CPU it runs on by then, leaving the old CPU's
 *   slot stale, so that CPU's next lazy grab fails.  Expect: violation
 */
#include "lazymm-defs.pml"


inline init_lazy(c, m) { hp_slot[c] = m }

/*
 * mmgrab_lazy_tlb(): smp_mb(); hazptr_try_protect() on this CPU's slot.
 * The smp_mb() [pair:hazptr-slot] comes before the slot store, so it cannot
 * hold that store back from a later scan; what makes the slot visible before
 * any teardown can scan is that mm_users cannot reach 0 until the task that
 * published it has run again (after this CPU's rq hand-over, or on this CPU)
 * and dropped mm_users with a LOCK'd op.  The model makes the slot store
 * visible at once (no store buffer): docs/verification.md, "x86-TSO".
 */
inline grab(me, m)
{
	smp_mb(me);
	if
	:: hp_slot[me] == NOMM -> hp_slot[me] = m;
		printf("cpu%d: mmgrab_lazy_tlb: slot = mm %d\n", me, m)
	:: else ->              /* WARN_ON_ONCE: one lazy mm per CPU; unprotected */
		printf("cpu%d: mmgrab_lazy_tlb: WARN slot busy (mm %d), mm %d unprotected\n", me, hp_slot[me], m)
	fi
}

/* mmdrop_lazy_tlb_sched(): smp_mb(); this CPU's slot = NULL. */
inline drop_sched(me, m)
{
	atomic { smp_mb(me); hp_slot[me] = NOMM; printf("cpu%d: mmdrop_lazy_tlb_sched: slot = NULL\n", me) }
}

#ifndef MUTANT_EXEC_DROP_AFTER_MIGRATE
inline drop_switched(me, m) { smp_mb(me); hp_slot[me] = NOMM }
#define LATE_DROP(m) NOMM
#else
inline drop_switched(me, m) { skip }
#define LATE_DROP(m) (m)
#endif
/* this_cpu_write(slot, NULL) wherever the task runs by now */
inline drop_preempt(me, m)
{
	atomic { smp_mb(me); hp_slot[me] = NOMM; printf("cpu%d: mmdrop_lazy_tlb: this CPU's slot = NULL\n", me) }
}

inline left_lazy(me) { skip }
inline pre_switch_mm(me)
{
#ifdef MUTANT_CLEAR_BEFORE_SWITCH
	if
	:: pmm != NOMM ->
		atomic {
			smp_mb(me); hp_slot[me] = NOMM;
			printf("cpu%d: MUTANT slot = NULL before switch_mm_irqs_off\n", me)
		}
	:: else -> skip
	fi
#else
	skip
#endif
}

/* do_shoot_lazy_tlb(mm), RFC version: also clears the local slot. */
inline shoot(me)
{
	if
	:: active_mm[me] == MM ->
		active_mm[me] = INIT_MM;
		switch_mm_irqs_off(me, INIT_MM);
		hp_slot[me] = NOMM
	:: else -> skip
	fi
}

/* cleanup_lazy_tlbs(mm) = hazptr_scan(domain, mm, callback) */
inline cleanup(me)
{
#ifndef MUTANT_NO_SCAN
	/* Orders: mm_count -> 0 (Store A, implicit) before reading the slots.
	 * Pairs with the smp_mb() in mmgrab_lazy_tlb() [pair:hazptr-slot]. */
	atomic { smp_mb(me) }
	i = 0;
	do
	:: i < NCPU ->
		if
		:: atomic { hp_slot[i] == MM && i == me -> shoot(me) }
		:: atomic { hp_slot[i] == MM && i != me -> send_ipi(me, i, F_SHOOT, 0) };
			wait_ipis(me)
		:: atomic { hp_slot[i] != MM -> skip }
		fi;
		i++
	:: else -> i = 0; break
	od
#else
	skip
#endif
}

inline mmput_last(me) { skip }
inline next_switch(me) { skip }

#include "lazymm.pml"
