/*
 * scenarios.c - the deterministic scenarios (scenario.h), and their table.
 *
 * Each one builds tasks and mms, drives the CPUs into one window of the
 * lazy-mm machinery and lets the checkers speak; a scenario returns non-zero
 * when a check of its own (a cost it expects) fails.
 */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

/* CPU 0 runs the action fn(arg) while CPU 1 stays parked: release CPU 1
 * once CPU 0 has finished, or waits for an IPI that CPU 1 must take. */
static void sc_run_while_parked(void (*fn)(void *), void *arg)
{
	sc_post(0, fn, arg);
	sc_wait("cpu0 to finish or to block on parked cpu1", done_or_blocked_cond, 0);
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
}

/* CPU 0 and CPU 1 run two threads of a fresh mm that maps nothing; CPU 1's
 * exits, leaving CPU 1 lazy on the mm; then CPU 1 starts switching to a
 * task of another process and parks at `point`.  CPU 0's thread is the
 * mm's last user. */
static struct mm_struct *park_lazy_cpu_switching(int point)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *x = new_user(new_mm(true), true);

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on m */
	sc_break(1, point);
	sc_post(1, act_switch_to, x);
	sc_wait_parked(1);
	return m;
}

/* CPU 1's task exits; each CPU then switches away from whatever it had
 * loaded (switch_mm_irqs_off() dereferences it). */
static int wind_down(void)
{
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}



/* 1. user A -> idle -> user A on two CPUs, one mm: the RFC's hot path. */
static int sc_hotpath(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);
	uint64_t rmw0, sw0, rmw, sw, mb0, mb;

	sc_do(0, act_switch_to, a);
	sc_do(1, act_switch_to, b);
	mb0 = lm_total(CNT_FENCE);
	rmw0 = lm_total(CNT_RMW_MM_COUNT);
	sw0 = lm_total(CNT_CS_USER_KERNEL) + lm_total(CNT_CS_KERNEL_USER);
	for (int i = 0; i < 200; i++) {
		for (int cpu = 0; cpu < 2; cpu++) {
			sc_do(cpu, act_touch, NULL);
			sc_do(cpu, act_block, NULL);            /* to idle: lazy on m */
			sc_do(cpu, act_walk, NULL);
			sc_do(cpu, act_switch_to, cpu ? b : a); /* back to the same mm */
		}
	}
	rmw = lm_total(CNT_RMW_MM_COUNT) - rmw0;
	sw = lm_total(CNT_CS_USER_KERNEL) + lm_total(CNT_CS_KERNEL_USER) - sw0;
	mb = lm_total(CNT_FENCE) - mb0;
	printf("  hot path: %llu user<->idle switches, %llu mm_count RMWs, %llu smp_mb(), %llu CR3 writes\n",
	       (unsigned long long)sw, (unsigned long long)rmw, (unsigned long long)mb,
	       (unsigned long long)lm_total(CNT_CR3_WRITE));
	/* what each scheme costs on this path is part of the scenario */
	if (lm.cfg.ops->drop_derefs_mm && !lm.cfg.mutant && rmw != sw) {
		printf("  expected one mm_count RMW per user<->idle switch with %s\n", lm.cfg.ops->name);
		return 1;
	}
	if (!lm.cfg.ops->drop_derefs_mm && rmw != 0) {
		printf("  expected no mm_count RMW on the switch path with %s\n", lm.cfg.ops->name);
		return 1;
	}
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 2. The last thread exits while two other CPUs are lazy on its mm, which
 *    never mapped anything: exit_mmap() flushes nothing.  CPU 1 holds its
 *    irqs off while the teardown's IPIs come. */
static int sc_last_exit_lazy(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false), *t2 = new_user(m, false);

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(2, act_switch_to, t2);
	sc_do(1, act_exit, NULL);              /* t1, t2 exit: their CPUs go idle, lazy */
	sc_do(2, act_exit, NULL);
	sc_break(1, SP_SC_HOLD);
	sc_post(1, act_irqs_off_hold, NULL);
	sc_wait_parked(1);
	sc_run_while_parked(act_exit, NULL);   /* the last user */
	for (int cpu = 0; cpu < 3; cpu++) {
		sc_do(cpu, act_walk, NULL);
		sc_run_fresh(cpu);
	}
	return 0;
}

/* 3. The final mmdrop runs on another CPU than the exit, in atomic
 *    context: a khugepaged-like holder on CPU 2 owns the last mm_count. */
static int sc_mmdrop_other_cpu(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *k = new_kthread();

	sc_do(2, act_switch_to, k);
	sc_do(2, act_mmgrab, m);
	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);              /* mm_users -> 0; the mm lives on */
	sc_do(0, act_walk, NULL);
	sc_do(2, act_mmdrop_atomic, m);        /* the final mmdrop, on CPU 2 */
	for (int cpu = 0; cpu < 3; cpu++)
		sc_run_fresh(cpu);
	sc_do(2, act_exit, NULL);
	return 0;
}

/* 4. A flush races with a lazy CPU returning to the same mm: CPU 1 is
 *    parked (irqs off) right after its lazy return read next->tlb_gen while
 *    CPU 0 zaps PTEs.  That flush has no freed_tables, so it skips CPUs it
 *    sees lazy: only the lazy return's smp_mb() (is_lazy = false visible
 *    before the tlb_gen read) makes CPU 0 see CPU 1 and IPI it. */
static int sc_flush_vs_lazy_return(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);

	do_mmap(m);
	sc_do(0, act_switch_to, b);
	sc_do(1, act_switch_to, a);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_block, NULL);             /* lazy on m */
	sc_do(1, act_walk, NULL);
	sc_break(1, SP_SWITCH_MM_LAZY_GEN_READ);
	sc_post(1, act_switch_to, a);
	sc_wait_parked(1);
	sc_run_while_parked(act_zap_ptes, NULL); /* tlb_gen++, is_lazy read, IPI cpu1, wait */
	sc_do(1, act_walk, NULL);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 5. The teardown IPI lands between context_switch() and
 *    finish_task_switch(): CPU 1 has switched from its lazy mm to another
 *    process, rq->prev_mm still names the dying mm.  Parked with irqs on,
 *    CPU 1 takes the IPIs: CPU 0's exit runs to its end. */
static int sc_ipi_in_finish_switch(void)
{
	park_lazy_cpu_switching(SP_FINISH_BEFORE_DROP);
	sc_do(0, act_exit, NULL);              /* teardown while cpu1 is in the window */
	sc_release(1);
	sc_sync(1);
	return wind_down();
}

/* 6. kthread_use_mm() against an mm being torn down: the kworker gets
 *    mm_users first and its mmput() is the last one (it tears the mm down
 *    while lazy on it itself); a second try finds mm_users at 0. */
static int sc_kthread_use_teardown(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true);
	struct task_struct *k = new_kthread();

	sc_do(1, act_switch_to, k);
	sc_do(1, act_mmgrab, m);                /* the kworker's own reference */
	sc_do(0, act_switch_to, t0);
	sc_break(1, SP_KTHREAD_USE_AFTER_SWITCH);
	sc_post(1, act_kthread_cycle, m);
	sc_wait_parked(1);
	sc_do(0, act_exit, NULL);               /* not the last user: k holds one */
	sc_release(1);
	sc_sync(1);                             /* k's mmput() tears m down */
	sc_do(1, act_kthread_cycle, m);         /* mmget_not_zero() fails now */
	sc_do(1, act_walk, NULL);
	sc_do(1, act_mmdrop_atomic, m);         /* drop the kworker's reference */
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	sc_do(1, act_exit, NULL);
	return 0;
}

/* 7. exec from a kernel thread, preempted and migrated between the switch
 *    and the lazy drop; the CPU it lands on is lazy on another mm whose
 *    last user then exits. */
static int sc_kthread_exec_preempt(void)
{
	struct mm_struct *m = new_mm(false), *m2 = new_mm(false);
	struct task_struct *t = new_user(m, true), *t2 = new_user(m2, true);
	struct task_struct *u2 = new_user(m2, false);
	struct task_struct *k = new_kthread();

	/* CPU 0: a user of m, then the usermodehelper kthread (lazy on m) */
	sc_do(0, act_switch_to, t);
	sc_do(0, act_switch_to, k);            /* t stays runnable behind k */
	/* CPU 1: lazy on m2 */
	sc_do(1, act_switch_to, t2);
	sc_do(1, act_block, NULL);
	/* k execs into a fresh mm, preempted to CPU 1 before the lazy drop */
	sc_preempt_to = 1;
	sc_do(0, act_exec, new_mm(true));
	sc_preempt_to = -1;
	sc_do(1, act_schedule, NULL);          /* k runs on CPU 1: the lazy drop */
	sc_do(1, act_block, NULL);             /* CPU 1 idle again, k sleeps */
	/* m2's last users exit on CPU 0: CPU 1 must still be covered */
	sc_do(0, act_switch_to, t2);
	sc_do(0, act_switch_to, u2);
	sc_do(0, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	sc_do(1, act_walk, NULL);
	/* wind down: t, k */
	sc_do(0, act_exit, NULL);
	sc_do(1, act_switch_to, k);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 8. An mm's memory is reused right after it is freed: a CPU that still
 *    held a stale pointer would now see a live mm at the same address. */
static int sc_mm_reuse(void)
{
	struct mm_struct *m = new_mm(false), *m2;
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false), *n;

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on m */
	sc_do(0, act_exit, NULL);              /* m freed */
	m2 = new_mm(false);                    /* same address */
	/* registered: membarrier_switch_mm()'s prev == next shortcut must
	 * not keep the freed mm's rq->membarrier_state (I9) */
	membarrier_register_private_expedited(m2);
	n = new_user(m2, true);
	if (m2 != m)
		printf("  note: the allocator did not reuse the address\n");
	sc_do(1, act_switch_to, n);            /* CPU 1 switches to the new mm */
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* A CPU lazy on a dying mm switches to a user task of another mm and is
 * parked (irqs off) at `point` inside the switch while the last user of
 * the mm exits on CPU 0. */
static int switch_window(int point)
{
	park_lazy_cpu_switching(point);
	sc_run_while_parked(act_exit, NULL);   /* the last user, while cpu1 switches */
	return wind_down();
}

/* 11. ... parked after leaving mm_cpumask(prev), before the CR3 write. */
static int sc_switching_window(void)
{
	return switch_window(SP_SWITCH_MM_SWITCHING);
}

/* 12. ... parked after loaded_mm = next is published, before switch_ldt(). */
static int sc_switch_ldt_window(void)
{
	return switch_window(SP_SWITCH_MM_PUBLISHED);
}

/* 9. A switch from a lazy mm to a user task races with that mm's teardown:
 *    CPU 1 is parked (irqs off) just before switch_mm_irqs_off(). */
static int sc_switch_race(void)
{
	return switch_window(SP_CTXSW_BEFORE_SWITCH_MM);
}

/* As switch_window(), but a khugepaged-like holder on CPU 2 keeps the mm
 * past its last user's exit, CPU 0 leaves it, and the holder's mmdrop() on
 * CPU 2 is the final one: a scheme whose exiting CPU keeps a reference of
 * its own (refcount, andy2020, andy2022) is then freed while CPU 1 is still
 * in the window. */
static int switch_window_remote(int point)
{
	struct mm_struct *m;

	sc_do(2, act_switch_to, new_kthread());
	m = park_lazy_cpu_switching(point);
	sc_do(2, act_mmgrab, m);               /* the holder's reference */
	sc_do(0, act_exit, NULL);              /* the last user: mm_users -> 0 */
	/* CPU 0 leaves m for a task that does not exit yet: a teardown now
	 * could wait for CPU 1 (tlbstate IPIs every switching CPU) */
	sc_do(0, act_switch_to, new_user(new_mm(true), true));
	sc_post(2, act_mmdrop_atomic, m);      /* the final mmdrop */
	sc_wait("cpu2 to finish or to block on parked cpu1", done_or_blocked_cond, 2);
	sc_release(1);
	sc_sync(1);
	sc_sync(2);
	sc_do(0, act_exit, NULL);
	wind_down();
	sc_run_fresh(2);
	sc_do(2, act_exit, NULL);              /* the holder kthread */
	return 0;
}

/* 13. switching-window with the final mmdrop() on a third CPU. */
static int sc_switching_window_remote(void)
{
	return switch_window_remote(SP_SWITCH_MM_SWITCHING);
}

/* 14. switch-race with the final mmdrop() on a third CPU. */
static int sc_switch_race_remote(void)
{
	return switch_window_remote(SP_CTXSW_BEFORE_SWITCH_MM);
}

/* 15. A teardown scan that found CPU 1 lazy on A is held (schemes with such
 *     a scan at __mmput(): andy2020, andy2022) while CPU 1 leaves A for B,
 *     whose only user exits there: CPU 1 is lazy on B and B is torn down.
 *     Then A's scan acts on what it saw.  Schemes without the point run
 *     the same steps without the hold. */
static int sc_teardown_scan_race(void)
{
	struct mm_struct *a = new_mm(false), *b = new_mm(false);
	struct task_struct *a0 = new_user(a, true), *a1 = new_user(a, false);
	struct task_struct *b1 = new_user(b, true);

	sc_do(0, act_switch_to, a0);
	sc_do(1, act_switch_to, a1);
	sc_do(1, act_exit, NULL);              /* CPU 1 lazy on A */
	sc_break(0, SP_LAZY_SCAN_REMOTE);
	sc_post(0, act_exit, NULL);            /* A's last user */
	sc_wait("cpu0 to park in its scan or to finish", parked_or_idle_cond, 0);
	sc_break(0, SP_NONE);
	sc_do(1, act_switch_to, b1);           /* CPU 1 leaves A ... */
	sc_do(1, act_exit, NULL);              /* ... B's last user: lazy on B */
	sc_release(0);
	sc_sync(0);
	sc_do(1, act_walk, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 10. A page table is unmapped while another CPU is lazy on the mm with
 *     that table in its paging-structure cache: the freed_tables flush
 *     must reach the lazy CPU (it leaves the mm) before the table is freed. */
static int sc_unmap_while_lazy(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);

	for (int i = 1; i < MM_MAX_TABLES; i++)
		do_mmap(m);               /* every slot mapped: any walk caches one */
	sc_do(0, act_switch_to, b);
	sc_do(1, act_switch_to, a);
	for (int i = 0; i < 16; i++)
		sc_do(1, act_touch, NULL); /* fill CPU 1's paging-structure cache */
	sc_do(1, act_block, NULL);         /* lazy on m */
	for (int i = 0; i < MM_MAX_TABLES; i++)
		sc_do(0, act_munmap, NULL); /* each: freed_tables flush, then free */
	for (int i = 0; i < 4; i++)
		sc_do(1, act_walk, NULL);  /* the lazy CPU walks speculatively */
	sc_do(1, act_switch_to, a);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

const struct scenario scenarios[] = {
	{ "hotpath", "user A -> idle -> user A on two CPUs, one mm (context_switch1)", 2, false, true, sc_hotpath },
	{ "last-exit-lazy", "last thread exits while two CPUs are lazy on its mm (no page tables)", 3, false, true, sc_last_exit_lazy },
	{ "mmdrop-other-cpu", "the final mmdrop runs on another CPU, in atomic context", 3, false, true, sc_mmdrop_other_cpu },
	{ "flush-vs-lazy-return", "a flush that skips lazy CPUs races with a lazy CPU returning to the same mm", 2, false, true, sc_flush_vs_lazy_return },
	{ "ipi-in-finish-switch", "a teardown IPI between context_switch() and finish_task_switch()", 2, false, true, sc_ipi_in_finish_switch },
	{ "kthread-use-teardown", "kthread_use_mm() against an mm being torn down", 2, false, true, sc_kthread_use_teardown },
	{ "kthread-exec-preempt", "exec from a kernel thread, preempted and migrated before the lazy drop", 2, false, true, sc_kthread_exec_preempt },
	{ "mm-reuse", "an mm's address reused right after it is freed", 2, true, true, sc_mm_reuse },
	{ "switch-race", "a CPU leaves its lazy mm for a user task while the mm is torn down", 2, false, true, sc_switch_race },
	{ "unmap-while-lazy", "a page table is freed while a lazy CPU has it cached", 2, false, true, sc_unmap_while_lazy },
	{ "switching-window", "teardown while a CPU switching away has left mm_cpumask but CR3 still holds the mm", 2, false, true, sc_switching_window },
	{ "switch-ldt-window", "teardown between loaded_mm = next and switch_ldt()'s read of prev", 2, false, true, sc_switch_ldt_window },
	{ "switching-window-remote-free", "switching-window, the final mmdrop from a holder on a third CPU", 3, false, true, sc_switching_window_remote },
	{ "switch-race-remote-free", "switch-race, the final mmdrop from a holder on a third CPU", 3, false, true, sc_switch_race_remote },
	{ "teardown-scan-race", "a teardown scan holds a remote lazy CPU's state while that CPU moves to another dying mm", 2, false, true, sc_teardown_scan_race },
	{ "offline-window", "teardown while a lazy CPU is offline but has not run idle_task_exit() (IPIs skip it)", 2, false, true, sc_offline_window },
	{ "exec-irqs-on-window", "teardown while a kthread's exec is between active_mm = mm and activate_mm()", 2, false, true, sc_exec_irqs_on_window },
	{ "kthread-use-window", "teardown while kthread_use_mm() is between active_mm = mm and the switch", 2, false, true, sc_kthread_use_window },
	{ "kthread-use-preempt", "kthread_use_mm() preempted and migrated before its lazy drop", 2, false, true, sc_kthread_use_preempt },
	{ "exit-mm-window", "a freed_tables flush IPI lands in exit_mm()'s irqs-off window", 2, false, true, sc_exit_mm_window },
	{ "membarrier-cid", "user->kernel->user switches: switch_mm_cid()'s barrier after rq->curr (I9)", 2, false, true, sc_membarrier_cid },
	{ "membarrier-k2u", "membarrier() while a CPU is parked between its rq->curr store and its barrier (I9)", 2, false, true, sc_membarrier_k2u },
	{ "membarrier-ipi", "membarrier() while a thread runs in user space on another CPU (I9)", 2, false, true, sc_membarrier_ipi },
	{ "ibpb-reuse", "a new process at a freed mm's address on a CPU that ran the old one (I13)", 2, true, true, sc_ibpb_reuse },
	{ "efi-temp-mm", "an EFI call from a lazy kernel thread while the lazy mm's last user exits (I14)", 2, false, true, sc_efi_temp_mm },
};
const int nr_scenarios = (int)ARRAY_SIZE(scenarios);
