/*
 * scenarios-windows.c - scenarios that park a CPU inside a window of the
 * lazy-mm machinery and send it a teardown or an IPI while it is there:
 * the offline window of CPU hot-unplug (model/cpu.c), exec_mmap()'s
 * irqs-on window, kthread_use_mm()'s switch and its preemptible lazy drop,
 * exit_mm()'s irqs-off window.  Each is deterministic: park points, never
 * timing.
 */
#include <stdint.h>

#include "scenario.h"

/* ---- actions ---- */

/* The CPU (idle) goes down: take_cpu_down(), then its idle task runs into
 * the offline window (SP_CPU_DYING) and idle_task_exit(). */
static void act_cpu_down(void *arg)
{
	(void)arg;
	take_cpu_down();
	cpuhp_idle_dead();
}

static void act_cpu_up(void *arg)
{
	(void)arg;
	cpuhp_bringup();
}

/* takedown_cpu()'s wait for the CPU to report dead, then finish_cpu(),
 * on the controlling CPU. */
static void act_finish_cpu(void *arg)
{
	cpuhp_bp_sync_dead((int)(intptr_t)arg);
	finish_cpu((int)(intptr_t)arg);
}

/* A PTE-only unmap (zap_page_range(), MADV_DONTNEED): a flush without
 * freed_tables, which skips lazy CPUs (tlb_is_not_lazy()). */
void act_zap_ptes(void *arg)
{
	(void)arg;
	flush_tlb_mm_range(current->mm, false, false);
}

/* The current kernel thread uses mm (its user reference comes from the
 * scenario).  When a preemption moves it before the lazy drop, it
 * schedules away; act_kthread_use_finish() does the rest later. */
static void act_kthread_use(void *arg)
{
	if (kthread_use_mm(arg))
		schedule();
}

static void act_kthread_use_finish(void *arg)
{
	struct mm_struct *mm = arg;

	touch_user_memory(mm);
	kthread_unuse_mm(mm);
	mmput(mm);
}

/*
 * CPU 0 acts while CPU 1 is parked in a window.  Release CPU 1 only once
 * the outcome no longer depends on timing (done_or_blocked_cond()): CPU 0
 * finished; or it waits for an IPI that CPU 1, parked with irqs off, takes
 * only once released (parked with irqs on, CPU 1 takes the IPI while
 * parked, so CPU 0 will finish: wait for that); or CPU 0 waits for the
 * dying CPU 1 (offline window).
 */
static void cpu0_while_cpu1_parked(void (*fn)(void *), void *arg)
{
	sc_post(0, fn, arg);
	sc_wait("cpu0 to finish, or to block on what parked cpu1 holds up", done_or_blocked_cond, 0);
}

/* CPUs 0 and 1 run the two threads of a fresh mm that maps nothing; CPU
 * 1's exits, leaving it lazy on the mm. */
static struct mm_struct *lazy_on_cpu1(struct task_struct **t0)
{
	struct mm_struct *m = new_mm(false);
	struct task_struct *t1;

	*t0 = new_user(m, true);
	t1 = new_user(m, false);
	sc_do(0, act_switch_to, *t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_exit, NULL);
	return m;
}

/* A kernel thread k, lazy on a dying mm on CPU 1, starts fn(arg) and is
 * parked at `point` in it while the mm's last user exits on CPU 0. */
static void kworker_parked_in(int point, void (*fn)(void *), void *arg)
{
	struct task_struct *t0, *k = new_kthread();

	lazy_on_cpu1(&t0);
	sc_do(1, act_switch_to, k);            /* k lazy on m */
	sc_break(1, point);
	sc_post(1, fn, arg);
	sc_wait_parked(1);
	cpu0_while_cpu1_parked(act_exit, NULL);
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
}

/* Both CPUs walk, then run and exit a task of a fresh mm. */
static void wind_down(void)
{
	for (int cpu = 0; cpu < 2; cpu++) {
		sc_do(cpu, act_walk, NULL);
		sc_run_fresh(cpu);
	}
}

/* ---- the scenarios ---- */

/* CPU 1, idle and lazy on m, goes offline and is parked in the offline
 * window (out of cpu_online_mask, m still loaded) while the last user of m
 * exits on CPU 0: no IPI can reach CPU 1.  CPU 0 then plays the
 * controlling CPU: it waits for CPU 1 to be dead and runs finish_cpu(1)
 * (with refcount, the final mmdrop); CPU 1 comes back. */
int sc_offline_window(void)
{
	struct task_struct *t0;
	bool finished = false;

	lazy_on_cpu1(&t0);
	sc_break(1, SP_CPU_DYING);
	sc_post(1, act_cpu_down, NULL);
	sc_wait_parked(1);
	cpu0_while_cpu1_parked(act_exit, NULL); /* the teardown, CPU 1 unreachable */
	if (sc_idle(0)) {
		/* the exit did not wait for CPU 1 (refcount: CPU 1's idle task
		 * holds m).  CPU 0 leaves m too, then plays the controller while
		 * CPU 1 is still in the window: finish_cpu()'s drop is the final
		 * one, and only the wait for "dead" keeps it after
		 * idle_task_exit() */
		sc_sync(0);
		sc_run_fresh(0);
		cpu0_while_cpu1_parked(act_finish_cpu, (void *)(intptr_t)1);
		finished = true;
	}
	sc_release(1);
	sc_sync(1);                            /* idle_task_exit(), reported dead */
	sc_sync(0);
	if (!finished)
		sc_do(0, act_finish_cpu, (void *)(intptr_t)1);
	sc_do(1, act_cpu_up, NULL);
	wind_down();
	return 0;
}

/* A kernel thread lazy on m execs; it is parked in exec_mmap() after
 * active_mm = the new mm and before activate_mm() (irqs on there in x86
 * v6.11, off where the scheme selects ARCH_WANT_IRQS_OFF_ACTIVATE_MM)
 * while m's last user exits on CPU 0. */
int sc_exec_irqs_on_window(void)
{
	kworker_parked_in(SP_EXEC_BEFORE_ACTIVATE, act_exec, new_mm(true));
	sc_do(1, act_touch, NULL);
	sc_do(1, act_exit, NULL);              /* k, a user task now */
	wind_down();
	return 0;
}

/* A kworker lazy on m starts kthread_use_mm(m2); it is parked after
 * active_mm = m2, before the switch, while m's last user exits. */
int sc_kthread_use_window(void)
{
	struct mm_struct *m2 = new_mm(true);   /* its user reference: the kworker's */

	kworker_parked_in(SP_KTHREAD_USE_BEFORE_SWITCH, act_kthread_use, m2);
	sc_do(1, act_kthread_use_finish, m2);
	sc_do(1, act_exit, NULL);
	wind_down();
	return 0;
}

/* kthread_use_mm()'s lazy drop is preemptible: the kworker, lazy on m on
 * CPU 0, is preempted and moved to CPU 1 (lazy on m3) between the switch
 * and the drop; then m3's last users exit.  A per-CPU scheme must have
 * released CPU 0's record of m, and must not touch CPU 1's of m3. */
int sc_kthread_use_preempt(void)
{
	struct mm_struct *m = new_mm(false), *m3 = new_mm(false), *m2 = new_mm(true);
	struct task_struct *t = new_user(m, true), *t3 = new_user(m3, true);
	struct task_struct *u3 = new_user(m3, false), *k = new_kthread();

	sc_do(0, act_switch_to, t);
	sc_do(0, act_switch_to, k);            /* k lazy on m; t stays runnable */
	sc_do(1, act_switch_to, t3);
	sc_do(1, act_block, NULL);             /* CPU 1 lazy on m3 */
	sc_preempt_to = 1;
	sc_do(0, act_kthread_use, m2);         /* preempted before the lazy drop */
	sc_preempt_to = -1;
	sc_do(1, act_schedule, NULL);          /* k on CPU 1: the lazy drop */
	sc_do(1, act_kthread_use_finish, m2);
	sc_do(1, act_block, NULL);             /* k sleeps */
	sc_do(0, act_switch_to, t3);
	sc_do(0, act_switch_to, u3);
	sc_do(0, act_exit, NULL);
	sc_do(0, act_exit, NULL);              /* m3's last users */
	sc_do(1, act_walk, NULL);
	sc_do(0, act_exit, NULL);              /* t */
	sc_do(1, act_switch_to, k);
	sc_do(1, act_exit, NULL);
	for (int cpu = 0; cpu < 2; cpu++)
		sc_run_fresh(cpu);
	return 0;
}

/* A thread in exit_mm()'s irqs-off window (lazy on its own mm, mm_users
 * not yet dropped) gets a freed_tables flush from its sibling; then the
 * sibling, the last user, exits.  The flush evicts the lazy CPU without a
 * context switch (left_lazy). */
int sc_exit_mm_window(void)
{
	struct mm_struct *m = new_mm(true);
	struct task_struct *t0 = new_user(m, true), *t1 = new_user(m, false);

	do_mmap(m);
	sc_do(0, act_switch_to, t0);
	sc_do(1, act_switch_to, t1);
	sc_do(1, act_touch, NULL);
	sc_break(1, SP_EXIT_MM_IRQS_OFF);
	sc_post(1, act_exit, NULL);
	sc_wait_parked(1);
	cpu0_while_cpu1_parked(act_munmap, NULL); /* IPI to the parked, lazy CPU 1 */
	sc_release(1);
	sc_sync(1);
	sc_sync(0);
	sc_do(1, act_walk, NULL);
	sc_do(0, act_exit, NULL);              /* the last user */
	wind_down();
	return 0;
}
