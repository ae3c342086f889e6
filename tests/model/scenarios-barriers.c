/*
 * scenarios-barriers.c - the scenarios of membarrier's and mm_cid's
 * barriers (I9), the IBPB decision after address reuse (I13) and the
 * EFI temporary mm (I14); listed in scenarios.c's table.
 */
#include <stdio.h>

#include "scenario.h"

static void act_membarrier(void *arg)
{
	(void)arg;
	touch_user_memory(current->mm);    /* the caller's user store before */
	if (membarrier_private_expedited() != 0)
		printf("  membarrier: EPERM (not registered)\n");
	touch_user_memory(current->mm);    /* ... and its user load after */
}

static void act_efi_call(void *arg)
{
	(void)arg;
	efi_enter_mm();
	sim_point(SP_EFI_CALL);             /* the firmware runs, irqs on */
	efi_leave_mm();
}

/* 13. user->kernel on a CPU: switch_mm_cid()'s pcpu_cid loads need a full
 *     barrier after rq->curr's store; on x86 v6.11 only mmgrab()'s atomic
 *     gives it (I9). */
int sc_membarrier_cid(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);

	sc_do(0, act_switch_to, a);
	sc_do(1, act_switch_to, b);
	for (int i = 0; i < 2; i++) {
		sc_do(1, act_touch, NULL);
		sc_do(1, act_block, NULL);     /* user -> idle */
		sc_do(1, act_switch_to, b);    /* idle -> user */
	}
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 14. membarrier() against a CPU parked between its rq->curr store and
 *     its first full barrier, on its way from idle back to a thread of
 *     the caller's process: the caller reads rq->curr as TSO lets it (the
 *     idle task: no IPI), so the thread's first user access must come
 *     after a barrier of its own (I9). */
int sc_membarrier_k2u(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);
	uint64_t ipis;

	membarrier_register_private_expedited(m);
	sc_do(0, act_switch_to, a);
	sc_do(1, act_switch_to, b);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_block, NULL);             /* CPU 1 idle, lazy on m */
	sc_break(1, SP_SCHED_CURR_STORED);
	sc_post(1, act_switch_to, b);
	sc_wait_parked(1);
	ipis = lm_total(CNT_IPI_SENT);
	sc_do(0, act_membarrier, NULL);        /* reads CPU 1's rq->curr: stale */
	if (lm_total(CNT_IPI_SENT) != ipis)
		printf("  note: membarrier() interrupted the parked CPU\n");
	sc_release(1);
	sc_sync(1);
	sc_do(1, act_touch, NULL);             /* b's first user access */
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 15. membarrier() while another thread of the process runs in user space
 *     on CPU 1: the issuer's barriers and the IPI's (I9). */
int sc_membarrier_ipi(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *a = new_user(m, true), *b = new_user(m, false);
	uint64_t ipis;

	membarrier_register_private_expedited(m);
	sc_do(0, act_switch_to, a);
	sc_do(1, act_switch_to, b);
	sc_do(1, act_touch, NULL);             /* CPU 1 in user space */
	ipis = lm_total(CNT_IPI_SENT);
	sc_do(0, act_membarrier, NULL);
	if (lm_total(CNT_IPI_SENT) == ipis) {
		printf("  expected membarrier() to interrupt CPU 1\n");
		return 1;
	}
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	sc_do(0, act_exit, NULL);
	return 0;
}

/* 16. A process dies while a CPU that ran it idles; a new process gets the
 *     same mm address and runs on that CPU: cond_mitigation() must still
 *     see two address spaces (I13). */
int sc_ibpb_reuse(void)
{
	struct mm_struct *p = new_mm(false), *q;
	struct task_struct *p0 = new_user(p, true), *p1 = new_user(p, false), *t;

	sc_do(0, act_switch_to, p0);
	sc_do(1, act_switch_to, p1);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);              /* CPU 1 idle, last user mm p */
	sc_do(0, act_exit, NULL);              /* p's last user */
	q = new_mm(false);                     /* the next fork */
	if (q != p)
		printf("  note: the allocator did not reuse the address (p is still allocated)\n");
	t = new_user(q, true);
	sc_do(1, act_switch_to, t);
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* 17. A kernel thread lazy on a process's mm makes an EFI call (a
 *     temporary mm, irqs on) while the process's last user exits; then it
 *     leaves the temporary mm (I14, I1, I3). */
int sc_efi_temp_mm(void)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);
	struct task_struct *k = new_kthread();

	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);              /* CPU 1 idle, lazy on m */
	sc_do(1, act_switch_to, k);            /* the efi_rts_wq worker borrows m */
	sc_break(1, SP_EFI_CALL);
	sc_post(1, act_efi_call, NULL);
	sc_wait_parked(1);
	sc_do(0, act_exit, NULL);              /* m's last user, during the call */
	sc_release(1);
	sc_sync(1);
	sc_do(1, act_walk, NULL);
	sc_do(1, act_exit, NULL);              /* the worker ends */
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}
