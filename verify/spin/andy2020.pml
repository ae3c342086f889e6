/*
 * andy2020.pml - lazy mms tracked by a per-CPU tagged lazy_mm word (Andy
 * Lutomirski, "[MOCKUP] x86/mm: Lightweight lazy mm refcounting", Dec 2020),
 * on x86 v6.11.
 *
 * lz_mm[c] is the word's pointer, lz_tag[c] its low bit ("another CPU took
 * an mm_count reference for this CPU").  Entering lazy stores the mm; the
 * CPU's leaving the mm exchanges the word with NULL (LOCK'd) and drops the
 * reference if the tag was set.  __mmput() with mm_users == 0, after
 * exit_mmap(): for each CPU in mm_cpumask whose word is MM, mmgrab() then
 * cmpxchg(MM -> MM|1), and mmdrop() if the CPU raced away.
 * C model: model/lazy/andy2020.c (grab, drop_sched, drop_switched, left_lazy,
 * mmput_last).  A tag found in irq context (flush eviction) is dropped at
 * the CPU's next switch (lz_later), as in the C model.
 *
 *   prev -> next     lazy_mm action
 *   kernel->kernel   none
 *   user  ->kernel   lz_mm = mm (grab)
 *   kernel->user     after switch_mm: xchg(word, NULL); mmdrop if tagged
 *   user  ->user     none
 *   __mmput          the fixup loop over mm_cpumask (mmput_last)
 *
 * The posted design trusts mm_cpumask, which x86 v6.11 clears before the CR3
 * write and switch_ldt(); the correct model clears it late
 * (CPUMASK_CLEAR_LATE), as the C model does.
 *
 * Property: I1-I4, no leak, no deadlock.                       Expect: pass
 * Twins (the C model's mutants):
 *   -DMUTANT_AS_POSTED            v6.11 order: bit cleared early
 *   -DMUTANT_NO_FIXUP             no fixup loop
 *   -DMUTANT_TAG_WITHOUT_REF      tag without mmgrab()
 *   -DMUTANT_UNLAZY_BEFORE_SWITCH word cleared before switch_mm_irqs_off()
 *   -DMUTANT_LEAK_ON_RACE         no mmdrop() when the cmpxchg fails (LEAK)
 */
#ifndef MUTANT_AS_POSTED
#define CPUMASK_CLEAR_LATE
#endif
#include "lazymm-defs.pml"

byte lz_mm[NCPU];       /* cpu_tlbstate.lazy_mm, pointer part */
bool lz_tag[NCPU];      /* its low bit */
bool lz_later[NCPU];    /* a tagged MM left in irq context, to drop later */
bool lz_raced;          /* checker only: a fixup's cmpxchg found the CPU gone */

inline init_lazy(c, m) { lz_mm[c] = m }

/* enter_lazy_tlb()'s lazy_mm_grab(): a plain store, irqs off (no barrier:
 * the task still holds mm_users). */
inline grab(me, m)
{
	if
	:: loaded_mm[me] != INIT_MM -> lz_mm[me] = m;
		printf("cpu%d: lazy_mm = mm %d\n", me, m)
	:: else -> skip
	fi
}

/* lazy_mm_drop(): xchg(word, NULL), a full barrier.  Sets zero when a tag
 * on MM must be dropped. */
inline unlazy(me)
{
	atomic {
		smp_mb(me);
		zero = (lz_mm[me] == MM && lz_tag[me]);
		printf("cpu%d: xchg(lazy_mm, NULL): was mm %d tag %d\n", me, lz_mm[me], lz_tag[me]);
		lz_mm[me] = NOMM; lz_tag[me] = false
	}
}

inline drop_later(me)
{
	if
	:: atomic { lz_later[me] -> lz_later[me] = false } -> mmdrop(me)
	:: else -> skip
	fi
}

inline drop_sched(me, m)
{
	unlazy(me);
	if
	:: zero -> zero = false; mmdrop(me)
	:: else -> skip
	fi;
	drop_later(me)
}

inline drop_switched(me, m)
{
	unlazy(me);
	if
	:: zero -> zero = false; mmdrop(me)
	:: else -> skip
	fi
}
#define LATE_DROP(m) NOMM
inline drop_preempt(me, m) { skip }

/* In irq context (inside the irq process's atomic step): clear the word,
 * keep a tag for later. */
inline left_lazy(me)
{
	if
	:: lz_mm[me] == MM && lz_tag[me] -> lz_later[me] = true
	:: else -> skip
	fi;
	lz_mm[me] = NOMM; lz_tag[me] = false
}

inline pre_switch_mm(me)
{
#ifdef MUTANT_UNLAZY_BEFORE_SWITCH
	if
	:: pmm != NOMM ->
		atomic {
			if
			:: lz_mm[me] == MM && lz_tag[me] -> lz_later[me] = true
			:: else -> skip
			fi;
			lz_mm[me] = NOMM; lz_tag[me] = false;
			printf("cpu%d: MUTANT lazy_mm = NULL before switch_mm_irqs_off\n", me)
		}
	:: else -> skip
	fi
#else
	skip
#endif
}

inline cleanup(me) { skip }
inline shoot(me) { skip }

/* arch_fixup_lazy_mm_refs(MM): mm_users is 0, the caller holds a reference. */
inline mmput_last(me)
{
#ifndef MUTANT_NO_FIXUP
	i = 0;
	do
	:: i < NCPU ->
		if
		:: MASK_HAS(i) ->                         /* for_each_cpu(mm_cpumask) */
			if
			:: lz_mm[i] == MM && !lz_tag[i] ->    /* the word reads MM */
#ifndef MUTANT_TAG_WITHOUT_REF
				atomic { DEREF(MM); mm_count++;
					 printf("cpu%d: fixup: mmgrab for cpu%d, mm_count = %d\n", me, i, mm_count) };
#endif
				if
				:: atomic { lz_mm[i] == MM && !lz_tag[i] -> smp_mb(me); lz_tag[i] = true;
					    printf("cpu%d: fixup: cmpxchg tags cpu%d\n", me, i) }
				:: atomic { else -> lz_raced = true; printf("cpu%d: fixup: cpu%d raced away\n", me, i) };
#if !defined(MUTANT_LEAK_ON_RACE) && !defined(MUTANT_TAG_WITHOUT_REF)
					mmdrop(me)
#else
					skip
#endif
				fi
			:: else -> skip
			fi
		:: else -> skip
		fi;
		i++
	:: else -> i = 0; break
	od
#else
	skip
#endif
}

inline next_switch(me) { skip }

#include "lazymm.pml"
