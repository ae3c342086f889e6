/*
 * lazymm.pml - the protocol code shared by the lazymm SPIN models: x86 (or
 * powerpc) MMU switching, IPIs, TLB flushes, the mm lifecycle, the context
 * switch, the CPU processes and the checkers.  Included last by each scheme
 * model, after lazymm-defs.pml and the scheme's hooks.
 */

/* ------------------------------------------------------- MMU switching -- */
#ifndef ARCH_PPC
/*
 * Models arch/x86/mm/tlb.c:enter_lazy_tlb() (v6.11).
 * Differs: not written when already set (same value).
 */
inline enter_lazy_tlb(me)
{
	if
	:: loaded_mm[me] != INIT_MM && !LAZY_SELF(me) -> store_is_lazy(me, true)
	:: else -> skip
	fi
}

/*
 * Models arch/x86/mm/tlb.c:switch_mm_irqs_off() (v6.11), irqs off.  Like x86
 * it ignores its prev argument and uses loaded_mm.  Four steps, at the
 * points where other CPUs can tell the difference.
 * Differs: one ASID slot per CPU (cpu_gen).  switch_ldt(prev, next) reads
 * prev->context.ldt after loaded_mm = next is published, as v6.11 does,
 * unless SWITCH_LDT_EARLY moves that read before the publish (tlbstate
 * needs it: see docs/verification.md, "Findings").
 */
inline switch_mm_irqs_off(me, next)
{
	atomic {
		prev = loaded_mm[me];
		was_lazy = LAZY_SELF(me);
		printf("cpu%d: switch_mm_irqs_off: loaded_mm %d -> %d, was_lazy %d\n", me, prev, next, was_lazy);
		DEREF(prev);            /* DEBUG_VM CR3 check: prev->pgd */
		if
		:: was_lazy -> store_is_lazy(me, false)
		:: else -> skip
		fi
	}
	if
	:: prev == next && !was_lazy -> skip    /* thread -> thread of one process */
	:: prev == next && was_lazy ->
		/*
		 * Orders: store is_lazy = false  before  load next->tlb_gen.
		 * [pair:lazy-gen] Pairs with the flusher's LOCK'd tlb_gen++ then its
		 * read of is_lazy in tlb_is_not_lazy() (flush_tlb_mm_range()).
		 * Without it (store buffering):
		 *   this CPU (lazy return)          flusher
		 *     is_lazy = false (buffered)      tlb_gen++ (locked)
		 *     read tlb_gen -> old             read is_lazy -> true: no IPI
		 *     no flush, back to user          => stale TLB in user mode (I4)
		 */
		atomic {
#ifndef MUTANT_NO_LAZY_RETURN_MB
			smp_mb(me);
#endif
			g = GEN_OF(next);
			printf("cpu%d: lazy return: tlb_gen read %d, TLB at %d\n", me, g, cpu_gen[me]);
			if
			:: cpu_gen[me] < g -> smp_mb(me); cpu_gen[me] = g  /* CR3 reload + flush */
			:: else -> skip
			fi;
			g = 0
		}
	:: prev != next ->
		atomic {
			/* Stop remote flushes for prev; start them for next (LOCK'd). */
#ifndef CPUMASK_CLEAR_LATE
			if
			:: prev == MM -> smp_mb(me); mask = mask & ~(1 << me); sw_away[me] = true;
				printf("cpu%d: cpumask_clear_cpu: out of mm_cpumask(MM), CR3 still MM\n", me)
			:: else -> skip
			fi;
#endif
			if
			:: next == MM -> smp_mb(me); mask = mask | (1 << me);
				printf("cpu%d: cpumask_set_cpu: in mm_cpumask(MM)\n", me)
			:: else -> skip
			fi
		}
		atomic {
			/* read tlb_gen after the cpumask_set_cpu() [pair:cpumask-gen] */
			g = GEN_OF(next);
			loaded_mm[me] = SWITCHING;
			printf("cpu%d: loaded_mm = LOADED_MM_SWITCHING\n", me)
		}
		atomic {
			smp_mb(me);             /* CR3 write: serializing */
			printf("cpu%d: CR3 = mm %d, loaded_mm = mm %d\n", me, next, next);
			cr3[me] = next;
			cpu_gen[me] = g;
			sw_away[me] = false;
			loaded_mm[me] = next;
			g = 0
		}
#ifndef SWITCH_LDT_EARLY
		atomic {                /* switch_ldt(prev, next): prev->context.ldt */
			printf("cpu%d: switch_ldt: reads prev (mm %d)\n", me, prev);
			DEREF(prev)
		}
#endif
#ifdef CPUMASK_CLEAR_LATE
		/* the CPU leaves mm_cpumask(prev) only once CR3 and switch_ldt()
		 * are done with prev (the correction Lutomirski's schemes need) */
		atomic {
			if
			:: prev == MM -> smp_mb(me); mask = mask & ~(1 << me);
				printf("cpu%d: cpumask_clear_cpu (late): out of mm_cpumask(MM)\n", me)
			:: else -> skip
			fi
		}
#endif
	fi;
	prev = 0;
	was_lazy = false
}

#else /* ARCH_PPC */
/* powerpc book3s64: enter_lazy_tlb() is a no-op.  is_lazy is kept only as
 * the "is this CPU lazy" view that MUTANT_SKIP_LAZY_CPUS filters on. */
inline enter_lazy_tlb(me)
{
	is_lazy[me] = true
}

/*
 * Models arch/powerpc/mm/mmu_context.c:switch_mm_irqs_off() (v6.11).  The
 * bit in mm_cpumask(next) is set once and never cleared on a switch; the
 * root (PID) is loaded only when the mm changes.  prev is dereferenced.
 */
inline switch_mm_irqs_off(me, next)
{
	atomic {
		prev = cr3[me];
		printf("cpu%d: switch_mm_irqs_off: context %d -> %d\n", me, prev, next);
		DEREF(prev);
		is_lazy[me] = false;
		if
		:: next == MM && !MASK_HAS(me) -> mask = mask | (1 << me)   /* + smp_mb() */
		:: else -> skip
		fi;
		if
		:: prev != next -> cr3[me] = next; loaded_mm[me] = next; cpu_gen[me] = GEN_OF(next)
		:: else -> skip
		fi;
		prev = 0
	}
}
#endif

/* ---------------------------------------------------------------- IPIs -- */
/*
 * Models flush_tlb_func() (tlb.c), irqs off, on the target (or locally).
 * Only flushes of MM exist in the model.
 */
inline flush_tlb_func(me, fgen, islocal)
{
	if
	:: !islocal && loaded_mm[me] != MM -> skip        /* switched away meanwhile */
	:: else ->
		if
		:: loaded_mm[me] == INIT_MM -> skip
		:: else ->
			if
			:: LAZY_SELF(me) ->                 /* leave the mm */
				switch_mm_irqs_off(me, INIT_MM);
				left_lazy(me)
			:: else ->
				DEREF(loaded_mm[me]);           /* loaded_mm->context.tlb_gen */
				if
				:: cpu_gen[me] < tlb_gen -> cpu_gen[me] = tlb_gen
				:: else -> skip
				fi
			fi
		fi
	fi
}

/*
 * csd_lock_wait() for every IPI this CPU sent.  Irqs are on while waiting,
 * so this CPU's own irq process keeps serving IPIs sent to it: two CPUs
 * waiting for each other do not deadlock (the kernel's rule: never send a
 * waiting IPI with irqs off).
 */
inline wait_ipis(me)
{
	ipi_wait[me] == 0
}

inline send_ipi(me, to, f, arg)
{
	printf("cpu%d: sends IPI %d to cpu%d\n", me, f, to);
	ipiq[to] ! f, arg, me;
	ipi_wait[me]++
}

/* ------------------------------------------------------------- flushes -- */
#ifdef MUTANT_FLUSH_SKIPS_LAZY
#define FREED_TABLES_IPIS_LAZY 0
#else
#define FREED_TABLES_IPIS_LAZY 1
#endif

/*
 * Models flush_tlb_mm_range() + native_flush_tlb_multi() (tlb.c): tlb_gen++
 * (LOCK'd: full barrier), then for each CPU in mm_cpumask an IPI, skipping
 * lazy CPUs unless page tables are freed; the local CPU runs it directly;
 * then wait for all.  done_gen records the completed flush for I4.
 */
inline flush_tlb_mm_range(me, freed)
{
	/* LOCK'd: the PTE changes before, the mask and is_lazy reads after
	 * [pair:cpumask-gen] [pair:lazy-gen]; see switch_mm_irqs_off(). */
	atomic {
		smp_mb(me); DEREF(MM); tlb_gen++; fgen = tlb_gen;
		printf("cpu%d: flush_tlb_mm_range(freed_tables=%d): tlb_gen = %d\n", me, freed, fgen)
	}
	i = 0;
	do
	:: atomic {
		i < NCPU ->
		if
		:: i != me && MASK_HAS(i) && ((freed && FREED_TABLES_IPIS_LAZY) || !is_lazy[i]) ->
			send_ipi(me, i, F_FLUSH, fgen)
		:: i != me && MASK_HAS(i) && !((freed && FREED_TABLES_IPIS_LAZY) || !is_lazy[i]) ->
			printf("cpu%d: cpu%d reads as lazy: no IPI (tlb_is_not_lazy)\n", me, i)
		:: else -> skip
		fi;
		i++
	   }
	:: else -> i = 0; break
	od;
	atomic {
		if
		:: loaded_mm[me] == MM && ((freed && FREED_TABLES_IPIS_LAZY) || !LAZY_SELF(me)) ->
			flush_tlb_func(me, fgen, true)
		:: else -> skip
		fi
	}
	wait_ipis(me);
	atomic {
		if
		:: done_gen < fgen -> done_gen = fgen
		:: else -> skip
		fi;
		printf("cpu%d: flush to tlb_gen %d complete\n", me, fgen);
		fgen = 0
	}
}

/* ------------------------------------------------------- mm lifecycle -- */
/*
 * Models exit_mmap() (mm/mmap.c): free_pgtables() then tlb_finish_mmu(): the
 * final flush with freed_tables, then the tables are freed.  An mm without
 * page tables (or whose flush is a broadcast: INVLPGB, PV) sends no IPI.
 */
inline exit_mmap(me)
{
#ifndef ARCH_PPC
	if
	:: has_tables -> flush_tlb_mm_range(me, true);
		atomic { tables_freed = true; printf("cpu%d: exit_mmap: lower page tables freed\n", me) }
	:: else -> printf("cpu%d: exit_mmap: no page tables, no flush\n", me)
	fi
#else
	/* radix tlbie with RIC=ALL: every CPU's TLB and page-walk cache for the
	 * PID are invalidated by hardware broadcast; lazy CPUs keep the PID. */
	atomic { DEREF(MM); tlb_gen++; tables_freed = has_tables }
#endif
}

/* Models __mmdrop() (kernel/fork.c): cleanup_lazy_tlbs(), then mm_free_pgd(),
 * destroy_context() and free_mm(). */
inline mmdrop_final(me)
{
	atomic { freer = me + 1; printf("cpu%d: __mmdrop: cleanup_lazy_tlbs\n", me) };
	cleanup(me);
	atomic { mm_freed = true; printf("cpu%d: __mmdrop: pgd and mm_struct of MM freed\n", me) }
}

/* Models mmdrop(): a fully ordered atomic_dec_and_test(). */
inline mmdrop(me)
{
	atomic {
		smp_mb(me); DEREF(MM); mm_count--; zero = (mm_count == 0);
		printf("cpu%d: mmdrop: mm_count = %d\n", me, mm_count)
	}
	if
	:: zero -> zero = false; mmdrop_final(me)
	:: else -> skip
	fi
}

/* Models mmput() and __mmput() (kernel/fork.c). */
inline mmput(me)
{
	atomic {
		smp_mb(me); DEREF(MM); mm_users--; last = (mm_users == 0);
		printf("cpu%d: mmput: mm_users = %d\n", me, mm_users)
	}
	if
	:: last -> last = false; exit_mmap(me); mmput_last(me); mmdrop(me)
	:: else -> skip
	fi
}

/*
 * Models exit_mm() (kernel/exit.c) for thread ti: the task becomes a lazy
 * user of its own mm, then drops its mm_users reference.
 * Differs: the lazy grab is taken with irqs off for every scheme (the
 * hazard-pointer RFC moved it there; for a refcount it changes nothing).
 */
inline exit_mm(me, ti)
{
	atomic {
		smp_mb(me);             /* task_lock(); smp_mb__after_spinlock() */
		printf("cpu%d: exit_mm: thread %d\n", me, ti);
		grab(me, MM);
		t_mm[ti] = NOMM;        /* current->mm = NULL */
		enter_lazy_tlb(me)
	}
	mmput(me)
}

/* ------------------------------------------------------ context switch -- */
/*
 * Models context_switch() + finish_task_switch() (kernel/sched/core.c),
 * called with irqs off after rq->curr = next:
 *   kernel->kernel  enter_lazy_tlb            active_mm handed over
 *   user  ->kernel  enter_lazy_tlb            grab(prev->active_mm)
 *   kernel->user    switch_mm_irqs_off        rq->prev_mm, drop_sched() later
 *   user  ->user    switch_mm_irqs_off        none
 * The running task's active_mm is kept per CPU: it only ever moves with the
 * CPU (handed over, or parked in rq->prev_mm).
 */
inline finish_task_switch(me, nx)
{
	/* prev->on_cpu = 0 (another CPU may now run it), rq unlock, irqs on */
	if
	:: IS_TH(cur[me]) -> t_run[TIDX(cur[me])] = false
	:: else -> skip
	fi;
	cur[me] = nx;
	irqs_off[me] = false
}

inline context_switch(me, nx)
{
	if
	:: TASK_MM(nx) == NOMM ->
		/* one step: with irqs off and cur, t_run not read remotely before
		 * the finish, no other CPU can tell the intermediate states apart */
		atomic {
			printf("cpu%d: context_switch: task %d -> task %d\n", me, cur[me], nx);
			enter_lazy_tlb(me);
			if
			:: TASK_MM(cur[me]) != NOMM -> grab(me, active_mm[me])
			:: else -> skip         /* kernel -> kernel: active_mm handed over */
			fi;
			finish_task_switch(me, nx)
		}
	:: else ->
		atomic {
			printf("cpu%d: context_switch: task %d -> task %d\n", me, cur[me], nx);
			irqs_off[me] = true;
			if
			:: TASK_MM(cur[me]) == NOMM -> pmm = active_mm[me]   /* rq->prev_mm */
			:: else -> skip
			fi
		};
		pre_switch_mm(me);
		switch_mm_irqs_off(me, TASK_MM(nx));
		atomic {
			active_mm[me] = TASK_MM(nx);
			finish_task_switch(me, nx)
		}
	fi;
	/* finish_task_switch(), irqs on: the lazy drop of rq->prev_mm */
	if
	:: pmm != NOMM -> drop_sched(me, pmm); pmm = NOMM
	:: else -> skip
	fi
}

/*
 * Models exec_mmap() (fs/exec.c) for a kernel thread (usermodehelper): it
 * takes MM as its mm and drops the lazy mm it borrowed.  irqs stay off
 * across activate_mm() (ARCH_WANT_IRQS_OFF_ACTIVATE_MM, which x86 selects
 * since 2025).  The drop is drop_switched(), irqs off, on this CPU; a scheme
 * that drops later leaves it in t_pend: the task is preemptible from here
 * and does the drop (drop_preempt) wherever it runs next (exec_finish).
 */
inline exec_mmap(me, ti)
{
	atomic {
		smp_mb(me);             /* task_lock() */
		irqs_off[me] = true;
		old = active_mm[me];
		printf("cpu%d: exec_mmap: thread %d takes MM, lazy mm was %d\n", me, ti, old);
		active_mm[me] = MM;
		t_mm[ti] = MM;
		t_exec[ti] = false
	}
	switch_mm_irqs_off(me, MM);     /* activate_mm() */
	atomic { drop_switched(me, old); t_pend[ti] = LATE_DROP(old); old = NOMM; irqs_off[me] = false }
}

/* The rest of exec_mmap(): its pending lazy drop, where the task runs now. */
inline exec_finish(me, ti)
{
	atomic {
		printf("cpu%d: exec_mmap: lazy drop of mm %d, now on this CPU\n", me, t_pend[ti]);
		drop_preempt(me, t_pend[ti]);
		t_pend[ti] = NOMM
	}
}

/* ---------------------------------------------------------------- CPUs -- */
#define ALL_DEAD (t_dead[0] && (NTHR < 2 || t_dead[NTHR - 1]))
#define NOTASK 9
/* the current task is a thread of MM that may return to user space */
#define USER_OF_MM(c) (IS_TH(cur[c]) && t_mm[TIDX(cur[c])] == MM && t_pend[TIDX(cur[c])] == NOMM)
/* the current task is a thread of MM in user space, with no pending work */
#define TH_USER(c) (IS_TH(cur[c]) && !t_exec[TIDX(cur[c])] && t_pend[TIDX(cur[c])] == NOMM)

/*
 * One simulated CPU.  Each turn of the loop is one thing the CPU does with
 * irqs on, at a point where the scheduler may run; if it ends in a context
 * switch, that is done once, below.  Then the current task returns to user
 * space (in_user, tracked with MUNMAP only) if it is a thread of MM.
 * The loop is bounded: each
 * thread may be switched out NSWITCH times, then must exit; a CPU is done
 * once every thread is dead (and HOLDER's reference dropped) and it runs
 * SMM's task.
 */
proctype cpu(byte me)
{
	byte nx = NOTASK;
	byte ti, i, prev, g, pmm, fgen, old;
	bool was_lazy, last, zero;

	do
	:: if
	   /* ---- a thread of MM runs on this CPU ---- */
	   :: atomic { IS_TH(cur[me]) && t_exec[TIDX(cur[me])] -> ti = TIDX(cur[me]) } ->
		exec_mmap(me, ti)
	   :: atomic { IS_TH(cur[me]) && t_pend[TIDX(cur[me])] != NOMM -> ti = TIDX(cur[me]) } ->
		exec_finish(me, ti)
	   :: atomic { IS_TH(cur[me]) && !t_exec[TIDX(cur[me])] && t_sw[TIDX(cur[me])] > 0 ->
			ti = TIDX(cur[me]); t_sw[ti]--; in_user[me] = false; nx = IDLE }
		/* schedule(): it blocks or is preempted (also right after exec); idle runs */
	   :: atomic { TH_USER(me) -> ti = TIDX(cur[me]); in_user[me] = false } ->
		/* do_exit(): exit_mm(), then do_task_dead() */
		exit_mm(me, ti);
		t_dead[ti] = true;
		nx = IDLE
#ifdef MUNMAP
	   :: atomic { TH_USER(me) && t_unmap[TIDX(cur[me])] ->
			ti = TIDX(cur[me]); t_unmap[ti] = false; in_user[me] = false } ->
		/* munmap(): PTEs cleared, then flush_tlb_mm_range() */
		flush_tlb_mm_range(me, false)
#endif
	   /* ---- idle, or SMM's task: run a thread of MM ---- */
	   :: atomic { !IS_TH(cur[me]) && RUNNABLE(0) -> t_run[0] = true; nx = TH(0) }
#if NTHR > 1
	   :: atomic { !IS_TH(cur[me]) && RUNNABLE(1) -> t_run[1] = true; nx = TH(1) }
#endif
#ifdef HOLDER
	   /* ---- another holder of MM (khugepaged, procfs) drops its mmgrab()
	    * reference, here and now, from kernel or SMM context ---- */
	   :: atomic { !IS_TH(cur[me]) && holder -> holder = false;
			printf("cpu%d: mmdrop: the other holder's reference\n", me) } ->
		mmdrop(me)
#endif
	   /* ---- idle: run SMM's task (leaves the lazy mm) ---- */
	   :: atomic { cur[me] == IDLE -> nx = UTS }
	   /* ---- done: SMM's task runs here from now on ---- */
	   :: atomic { cur[me] == UTS && ALL_DEAD && !holder -> next_switch(me); ndone++ } ->
		break
	   fi;
	   if
	   :: nx != NOTASK -> context_switch(me, nx)
	   :: else -> skip
	   fi;
#ifdef MUNMAP
	   /* back to user space (only a munmap() flush can make it stale: I4) */
	   atomic {
		in_user[me] = USER_OF_MM(me);
		if
		:: in_user[me] -> printf("cpu%d: back to user space, TLB at tlb_gen %d\n", me, cpu_gen[me])
		:: else -> skip
		fi
	   };
#endif
	   nx = NOTASK; ti = 0
	od
}

/*
 * This CPU's interrupt context: runs a queued IPI handler (irqs off, one
 * step) at any moment this CPU has irqs on, that is, between any two steps
 * of its process outside the irqs-off regions (context switch up to
 * finish_task_switch(), exec's activate_mm()).  The generic IPI entry:
 * run the function, then ack (csd_unlock()).
 */
proctype irq(byte me)
{
	byte hf, ha, hs, prev, g;
	bool was_lazy;
end_irq:
	do
	:: atomic {
		!irqs_off[me] && nempty(ipiq[me]) ->
		ipiq[me] ? hf, ha, hs;
		printf("cpu%d: IPI %d from cpu%d runs (1 = flush_tlb_func, 2 = do_shoot_lazy_tlb)\n", me, hf, hs);
		if
		:: hf == F_FLUSH -> flush_tlb_func(me, ha, false)
		:: hf == F_SHOOT -> shoot(me)
		fi;
		ipi_wait[hs]--;
		hf = 0; ha = 0; hs = 0
	   }
	od
}

/* ------------------------------------------------------------- checkers -- */
#define I1(c) (cr3[c] != MM || !mm_freed)
#ifdef ARCH_PPC
#define I2(c) 1         /* tlbie covers every CPU's page-walk cache */
#else
#ifdef STRICT_I2
#define I2(c) (cr3[c] != MM || !tables_freed)
#else
#define I2(c) (cr3[c] != MM || !tables_freed || sw_away[c])
#endif
#endif
#define I4(c) (!in_user[c] || cr3[c] != MM || cpu_gen[c] >= done_gen)

#if NCPU == 2
#define FORALL(P) (P(0) && P(1))
#else
#define FORALL(P) (P(0) && P(1) && P(2))
#endif

/* Fires in any reachable state where an invariant is broken. */
active proctype monitor()
{
end_monitor:
	atomic {
		!(FORALL(I1) && FORALL(I2) && FORALL(I4)) ->
#if NCPU == 2
		printf("monitor: invariant broken: cr3 = %d %d, mm_freed %d, tables_freed %d\n",
		       cr3[0], cr3[1], mm_freed, tables_freed);
#else
		printf("monitor: invariant broken: cr3 = %d %d %d, mm_freed %d, tables_freed %d\n",
		       cr3[0], cr3[1], cr3[2], mm_freed, tables_freed);
#endif
		assert(I1_cr3_root_not_freed && FORALL(I1));
		assert(I2_no_walk_of_freed_tables && FORALL(I2));
		assert(I4_tlb_gen_current_in_user && FORALL(I4))
	}
}

/* Every mm eventually freed: when every CPU has finished (all threads dead,
 * every CPU back to a user task of another mm), MM must be gone.  If some
 * CPU never finishes (a deadlock), this process is stuck in an invalid end
 * state, which SPIN reports too. */
active proctype leakcheck()
{
	ndone == NCPU;
	assert(LEAK_mm_freed_at_end && mm_freed)
}

#ifdef TSO
/* The store buffers drain on their own, at any time. */
active proctype tso()
{
end_tso:
	do
	:: atomic { sb_lazy[0] != 0 -> is_lazy[0] = sb_lazy[0] - 1; sb_lazy[0] = 0;
		    printf("tso: cpu0's is_lazy = %d reaches memory\n", is_lazy[0]) }
	:: atomic { sb_lazy[1] != 0 -> is_lazy[1] = sb_lazy[1] - 1; sb_lazy[1] = 0;
		    printf("tso: cpu1's is_lazy = %d reaches memory\n", is_lazy[1]) }
#if NCPU > 2
	:: atomic { sb_lazy[2] != 0 -> is_lazy[2] = sb_lazy[2] - 1; sb_lazy[2] = 0;
		    printf("tso: cpu2's is_lazy = %d reaches memory\n", is_lazy[2]) }
#endif
	od
}
#endif

/* ----------------------------------------------------------------- init -- */
/*
 * Default: CPU0 runs thread 0 of MM; CPUs 1.. are idle and lazy on MM (they
 * ran its threads before), each holding whatever the scheme's lazy grab
 * gives.  With NTHR 2, thread 1 runs on CPU1 instead.  Whether MM has page
 * tables is chosen nondeterministically.
 * SCEN_EXEC: CPU0 runs kernel thread 0, lazy on SMM, about to exec into a
 * fresh MM; CPUs 1.. run SMM's user task.
 */
init
{
	byte c;

	atomic {
		printf("legend: mm 1 = init_mm, 2 = MM (dies), 3 = SMM (survives), 4 = LOADED_MM_SWITCHING;\n");
		printf("legend: task 0 = idle, 1 = SMM's task, 2 = thread 0 of MM, 3 = thread 1; IPI 1 = flush_tlb_func, 2 = do_shoot_lazy_tlb\n");
		if
		:: has_tables = true
		:: has_tables = false
		fi;
		printf("init: MM has page tables: %d\n", has_tables);
		c = 0;
		do
		:: c < NCPU ->
			hp_slot[c] = NOMM;
#ifdef SCEN_EXEC
			if
			:: c == 0 ->
				cur[c] = TH(0); active_mm[c] = SMM; loaded_mm[c] = SMM; cr3[c] = SMM;
				is_lazy[c] = true; init_lazy(c, SMM)
			:: else ->
				cur[c] = UTS; active_mm[c] = SMM; loaded_mm[c] = SMM; cr3[c] = SMM
			fi;
#else
			active_mm[c] = MM; loaded_mm[c] = MM; cr3[c] = MM; mask = mask | (1 << c);
			if
			:: c == 0 -> cur[c] = TH(0); in_user[c] = true
			:: c == 1 && NTHR > 1 -> cur[c] = TH(1); in_user[c] = true
			:: else -> cur[c] = IDLE; is_lazy[c] = true; init_lazy(c, MM)
			fi;
#endif
			c++
		:: else -> break
		od;
		mm_users = mm_users + NTHR;
		mm_count = mm_count + 1;        /* the mm_users group's reference */
#ifdef HOLDER
		holder = true;
		mm_count = mm_count + 1;        /* another mmgrab() holder */
#endif
		c = 0;
		do
		:: c < NTHR ->
			t_sw[c] = NSWITCH;
#ifdef SCEN_EXEC
			t_exec[c] = true; t_mm[c] = NOMM;
#else
			t_mm[c] = MM;
#endif
#ifdef MUNMAP
			t_unmap[c] = true;
#endif
			t_run[c] = (c == 0 || (c == 1 && NCPU > 1));
			c++
		:: else -> break
		od;
		c = 0;
		do
		:: c < NCPU -> run cpu(c); run irq(c); c++
		:: else -> break
		od
	}
}

#ifdef PROBE
/* Reachability probe (vacuity check): -DPROBE='expr' makes SPIN report an
 * "error" in the first state where expr holds, with a trail that reaches it. */
bit PROBE_reached = 0;
active proctype probe()
{
end_probe:
	atomic { (PROBE) -> assert(PROBE_reached) }
}
#endif
