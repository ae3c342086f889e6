/*
 * andy2022.pml - lazy mms protected by rq->lazy_mm hazard pointers, with
 * references handed over through rq->drop_mm at __mmput() (Andy
 * Lutomirski, "[PATCH 16/23] sched: Use lightweight hazard pointers to grab
 * lazy mms" and "[PATCH 22/23] x86/mm: Optimize
 * for_each_possible_lazymm_cpu()", Jan 2022), on x86 v6.11.
 *
 * lazy22[c] is rq->lazy_mm, drop22[c] rq->drop_mm.  user->kernel stores the
 * mm (no barrier); after the switch away lazy_mm is released to NULL and
 * mmdrop_lazy() drops drop_mm unless the rq still borrows it.  __mmput()
 * with mm_users == 0, after exit_mmap(): mm_unlazy_mm_count() takes a batch
 * of NCPU references and hands one to each CPU in mm_cpumask whose lazy_mm
 * is MM (drop_mm cmpxchg), then gives the rest back.
 * C model: model/lazy/andy2022.c.
 *
 * Only MM dies in these models, so drop_mm never holds another dying mm:
 * the occupied-drop_mm branch and its lazy_mm re-load (the patch's ABA race,
 * mutant no-lazy-reload) need two dying mms and are checked by the C
 * scenario teardown-scan-race only (docs/verification.md).
 *
 *   prev -> next     hazard-pointer action
 *   kernel->kernel   none
 *   user  ->kernel   lazy_mm = mm (grab)
 *   kernel->user     after switch_mm: lazy_mm = NULL (release); mmdrop_lazy()
 *   user  ->user     none
 *   __mmput          mm_unlazy_mm_count() over mm_cpumask (mmput_last)
 *
 * Property: I1-I4, no leak, no deadlock.                       Expect: pass
 * Twins (the C model's mutants):
 *   -DMUTANT_AS_POSTED              v6.11 order: bit cleared early
 *   -DMUTANT_NO_UNLAZY              no mm_unlazy_mm_count()
 *   -DMUTANT_RELEASE_BEFORE_SWITCH  lazy_mm = NULL before switch_mm_irqs_off()
 */
#ifndef MUTANT_AS_POSTED
#define CPUMASK_CLEAR_LATE
#endif
#include "lazymm-defs.pml"

byte lazy22[NCPU];      /* rq->lazy_mm */
byte drop22[NCPU];      /* rq->drop_mm (NOMM or MM) */
byte a22_batch;         /* mm_unlazy_mm_count()'s unused references */

inline init_lazy(c, m) { lazy22[c] = m }

inline grab(me, m)
{
	lazy22[me] = m; printf("cpu%d: rq->lazy_mm = mm %d\n", me, m)
}

/* mmdrop_lazy(rq): drop drop_mm unless lazy_mm is still that mm. */
inline mmdrop_lazy(me)
{
	if
	:: atomic { drop22[me] == MM && lazy22[me] != MM -> drop22[me] = NOMM;
		    printf("cpu%d: mmdrop_lazy: drop_mm = NULL, mmdrop\n", me) };
		mmdrop(me)
	:: else -> skip
	fi
}

inline drop_sched(me, m)
{
	atomic { lazy22[me] = NOMM; printf("cpu%d: smp_store_release(rq->lazy_mm, NULL)\n", me) };
	mmdrop_lazy(me)
}

inline drop_switched(me, m) { lazy22[me] = NOMM }
#define LATE_DROP(m) NOMM
inline drop_preempt(me, m) { skip }

/* unlazy_mm_irqs_off() in the flush IPI: active_mm = init_mm, lazy_mm =
 * NULL; the drop waits for the next switch. */
inline left_lazy(me)
{
	if
	:: active_mm[me] == MM && !IS_TH(cur[me]) -> active_mm[me] = INIT_MM
	:: else -> skip
	fi;
	lazy22[me] = NOMM
}

inline pre_switch_mm(me)
{
#ifdef MUTANT_RELEASE_BEFORE_SWITCH
	if
	:: pmm != NOMM ->
		atomic { lazy22[me] = NOMM; printf("cpu%d: MUTANT lazy_mm = NULL before switch_mm_irqs_off\n", me) }
	:: else -> skip
	fi
#else
	skip
#endif
}

inline cleanup(me) { skip }
inline shoot(me) { skip }

/* mm_unlazy_mm_count(MM); the caller holds a reference. */
inline mmput_last(me)
{
#ifndef MUTANT_NO_UNLAZY
	i = 0;
	do
	:: i < NCPU ->
		if
		:: MASK_HAS(i) ->                     /* for_each_possible_lazymm_cpu() */
			if
			:: lazy22[i] == MM ->             /* smp_load_acquire(&rq->lazy_mm) */
				if
				:: a22_batch == 0 ->
					atomic { DEREF(MM); mm_count = mm_count + NCPU; a22_batch = NCPU;
						 printf("cpu%d: unlazy: batch of %d, mm_count = %d\n", me, NCPU, mm_count) }
				:: else -> skip
				fi;
				/* __try_mm_drop_rq_ref(): drop_mm is empty (only MM dies) */
				atomic {
					smp_mb(me);
					assert(drop22[i] == NOMM);
					drop22[i] = MM; a22_batch--;
					printf("cpu%d: unlazy: cmpxchg(cpu%d drop_mm, NULL, MM)\n", me, i)
				}
			:: else -> skip
			fi
		:: else -> skip
		fi;
		i++
	:: else -> i = 0; break
	od;
	atomic {
		mm_count = mm_count - a22_batch; a22_batch = 0;
		printf("cpu%d: unlazy: unused references back, mm_count = %d\n", me, mm_count)
	}
#else
	skip
#endif
}

/* The CPU's next context switch, of any kind (SMM's task blocks one day):
 * finish_task_switch() runs mmdrop_lazy() after every switch.  A reference
 * handed to drop_mm after this CPU's last kernel->user switch is dropped
 * there.  No blocking statement: it runs inside the "done" step. */
inline next_switch(me)
{
	if
	:: drop22[me] == MM && lazy22[me] != MM -> drop22[me] = NOMM; mmdrop(me)
	:: else -> skip
	fi
}

#include "lazymm.pml"
