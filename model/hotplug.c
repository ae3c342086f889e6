/*
 * hotplug.c - the controlling CPU of `--hotplug` runs (harness.h).
 *
 * No kernel equivalent: it plays the administrator writing to
 * /sys/devices/system/cpu/cpuN/online, and the controlling CPU's side of
 * kernel/cpu.c.  CPU 0, between its task steps (the harness's tick), takes
 * a random other CPU down (the victim runs take_cpu_down(), passes the
 * offline window, idle_task_exit(): model/cpu.c), waits for it to be dead
 * (cpuhp_bp_sync_dead()), runs finish_cpu() for it, and later brings it
 * back; the workload goes on throughout.  All state is CPU 0's own, except
 * the stop request and the "quiet" flag the host thread reads.
 */
#include "harness.h"

enum { HP_IDLE, HP_GOING_DOWN, HP_DEAD, HP_COMING_UP };

static struct {
	int phase, victim;
	uint64_t next_ns, cycles;
	_Atomic int stop;            /* the host thread asks for a last bring-up */
	_Atomic int quiet;           /* no CPU is down or going down any more */
} hp;

void lm_hotplug_reset(void)
{
	hp.phase = HP_IDLE;
	hp.victim = 0;
	hp.next_ns = 0;
	hp.cycles = 0;
	atomic_store_explicit(&hp.stop, 0, memory_order_relaxed);
	atomic_store_explicit(&hp.quiet, 0, memory_order_relaxed);
}

void lm_hotplug_tick(struct lm_cpu *c)
{
	uint64_t now;

	if (c->cpu != 0 || lm.cfg.nr_cpus < 2)
		return;
	now = lm_now_ns();
	switch (hp.phase) {
	case HP_IDLE:
		/* [pair:hp-quiet]; no new cycle once the tasks are stopping */
		if (atomic_load_explicit(&hp.stop, memory_order_acquire) || lm_stopping() ||
		    atomic_load_explicit(&lm.phase, memory_order_relaxed) != PHASE_RUN) {
			atomic_store_explicit(&hp.quiet, 1, memory_order_release);
			return;
		}
		if (now < hp.next_ns)
			return;
		hp.victim = 1 + (int)(lm_rand(c) % (uint64_t)(lm.cfg.nr_cpus - 1));
		cpu_down_request(hp.victim);
		hp.phase = HP_GOING_DOWN;
		break;
	case HP_GOING_DOWN:
		if (!cpu_is_dead(hp.victim))     /* cpuhp_bp_sync_dead(), polled */
			return;
		finish_cpu(hp.victim);
		hp.next_ns = now + lm_rand(c) % 2000000;
		hp.phase = HP_DEAD;
		break;
	case HP_DEAD:
		if (now < hp.next_ns && !atomic_load_explicit(&hp.stop, memory_order_relaxed))
			return;
		cpu_up_request(hp.victim);
		hp.phase = HP_COMING_UP;
		break;
	case HP_COMING_UP:
		if (!cpu_is_up(hp.victim))
			return;
		hp.cycles++;
		hp.next_ns = now + lm_rand(c) % 4000000;
		hp.phase = HP_IDLE;
		break;
	}
}

int lm_hotplug_quiesce(void)
{
	uint64_t bound = lm_now_ns() + lm.cfg.wait_timeout_ns;

	if (lm.cfg.nr_cpus < 2)
		return 0;
	/* release pairs with CPU 0's acquire [pair:hp-quiet]; its release of
	 * quiet pairs with our acquire: every CPU is back online after it */
	atomic_store_explicit(&hp.stop, 1, memory_order_release);
	while (!atomic_load_explicit(&hp.quiet, memory_order_acquire)) {
		struct timespec ts = { 0, 1000000 };

		if (lm_aborted())
			return -1;
		if (lm_now_ns() > bound) {
			lm_violation(INV_HANG, -1, 0, "hotplug: a CPU did not finish its offline/online cycle");
			lm_dump_state(stderr);
			atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

uint64_t lm_hotplug_cycles(void)
{
	return hp.cycles;
}
