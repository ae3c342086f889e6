/*
 * harness.c - lm_run() and what every driver shares (harness.h).
 *
 * No kernel equivalent: this is the test rig around the model, the part
 * rcutorture's torture.c plays for the kernel's RCU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

struct lm_timer {
	struct task_struct *task;
	uint64_t expiry;
};

/* The harness's per-CPU data (c->harness): owner-written. */
struct lm_hcpu {
	struct lm_timer timers[LM_TIMERS];
	int nr_timers;
} __cacheline_aligned;

#define TD_SLOTS 1024            /* mms between mm_users == 0 and __mmdrop() */

struct td_entry {
	int id;                      /* the mm's id; 0: empty */
	int cpus_exit_mmap, cpus_mmdrop;
	uint64_t t_users_zero;
};

/* One run at a time: the machine itself (`lm`) is a single global. */
static struct {
	const struct lm_driver *drv;
	struct lm_hcpu *hcpus;
	void *drv_cpus;
	_Atomic int stopping;
	_Atomic int live_tasks;
	pthread_mutex_t td_lock;
	struct lm_teardown td;
	struct td_entry td_tab[TD_SLOTS];
} h = { .td_lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- hooks the harness installs ---- */

static void fire_timers(struct lm_hcpu *hc)
{
	uint64_t now = lm_now_ns();

	for (int i = 0; i < hc->nr_timers;) {
		struct lm_timer *t = &hc->timers[i];

		/* only once the task is off this CPU (it blocked and switched) */
		if (t->expiry <= now && t->task != current) {
			struct task_struct *task = t->task;

			*t = hc->timers[--hc->nr_timers];
			try_to_wake_up(task, h.drv->timer_cpu ? h.drv->timer_cpu(task) : task->cpu);
			continue;
		}
		i++;
	}
}

static void harness_tick(struct lm_cpu *c)
{
	struct lm_hcpu *hc = c->harness;

	if (hc->nr_timers)
		fire_timers(hc);
	if (lm.cfg.hotplug)
		lm_hotplug_tick(c);
	if (h.drv->tick)
		h.drv->tick(c);
}

/* Teardown statistics, taken where the mm's lifetime passes a model point:
 * mm_users reached 0 (__mmput), exit_mmap(), __mmdrop() before the cleanup
 * and before the free. */
static void teardown_point(int point, struct mm_struct *mm)
{
	struct td_entry *e = &h.td_tab[(unsigned int)mm_id(mm) % TD_SLOTS];

	pthread_mutex_lock(&h.td_lock);
	switch (point) {
	case SP_MMPUT_LAST:
		*e = (struct td_entry){ mm_id(mm), 0, 0, lm_now_ns() };
		break;
	case SP_EXIT_MMAP_BEFORE_FLUSH:
		if (e->id == mm_id(mm))
			e->cpus_exit_mmap = cpumask_weight_snapshot(mm->cpumask);
		break;
	case SP_MMDROP_BEFORE_CLEANUP:
		if (e->id == mm_id(mm))
			e->cpus_mmdrop = cpumask_weight_snapshot(mm->cpumask);
		break;
	case SP_MMDROP_BEFORE_FREE: {
		/* an mm whose entry was taken by another: counted, no latency */
		bool mine = e->id == mm_id(mm);
		uint64_t lat = mine ? lm_now_ns() - e->t_users_zero : 0;

		h.td.count++;
		h.td.sum_ns += lat;
		if (lat > h.td.max_ns)
			h.td.max_ns = lat;
		if (mine) {
			h.td.cpus_exit_mmap += (uint64_t)e->cpus_exit_mmap;
			h.td.cpus_mmdrop += (uint64_t)e->cpus_mmdrop;
			e->id = 0;
		}
		break;
	}
	default:
		break;
	}
	pthread_mutex_unlock(&h.td_lock);
}

static void harness_point(int point, struct mm_struct *mm)
{
	if (mm)
		teardown_point(point, mm);
	if (h.drv->point)
		h.drv->point(point, mm);
}

void lm_teardown_stats(struct lm_teardown *out)
{
	pthread_mutex_lock(&h.td_lock);
	*out = h.td;
	pthread_mutex_unlock(&h.td_lock);
}

static void harness_cpu_main(struct lm_cpu *c)
{
	if (h.drv->cpu_main) {
		h.drv->cpu_main(c);
		return;
	}
	if (c->cpu == 0 && h.drv->boot)
		h.drv->boot();
	cpu_loop(c);
}

/* ---- the lifecycle ---- */

static void *zalloc_aligned(size_t size)
{
	void *p;

	if (posix_memalign(&p, LM_CACHELINE, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

int lm_run(const struct lm_config *cfg, const struct lm_driver *drv, void *arg, FILE *out)
{
	int n = cfg->nr_cpus, err, v;

	h.drv = drv;
	h.hcpus = NULL;
	h.drv_cpus = NULL;
	atomic_store_explicit(&h.stopping, 0, memory_order_relaxed);
	atomic_store_explicit(&h.live_tasks, 0, memory_order_relaxed);
	memset(&h.td, 0, sizeof(h.td));
	memset(h.td_tab, 0, sizeof(h.td_tab));

	lm_hotplug_reset();
	err = lm_machine_init(cfg);
	if (err) {
		fprintf(stderr, "lazymm %s: machine init failed (%s)\n", drv->name, strerror(-err));
		return -1;
	}
	h.hcpus = zalloc_aligned(sizeof(*h.hcpus) * (size_t)n);
	if (drv->cpu_size)
		h.drv_cpus = zalloc_aligned(drv->cpu_size * (size_t)n);
	if (!h.hcpus || (drv->cpu_size && !h.drv_cpus)) {
		fprintf(stderr, "lazymm %s: out of memory\n", drv->name);
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		lm.cpus[i].harness = &h.hcpus[i];
		lm.cpus[i].drv = drv->cpu_size ? (char *)h.drv_cpus + drv->cpu_size * (size_t)i : NULL;
	}
	lm.run_arg = arg;
	lm.hooks = (struct lm_hooks){
		.tick = harness_tick,
		.idle = drv->idle,
		.point = drv->teardown_stats ? harness_point : drv->point,
		.preempt = drv->preempt,
	};
	if (lm_machine_start(harness_cpu_main) != 0) {
		fprintf(stderr, "lazymm %s: cannot start the CPU threads\n", drv->name);
		atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
		lm_machine_stop();
		goto fail;
	}
	if (drv->run)
		drv->run(arg);
	if (lm.cfg.hotplug && !lm_aborted())
		lm_hotplug_quiesce();
	lm_stop_tasks();
	if (!lm_aborted())
		lm_machine_offline_all();
	lm_machine_stop();
	if (drv->report)
		drv->report(arg);
	v = lm_machine_fini(out);
	lm.hooks = (struct lm_hooks){ 0 };
	lm.run_arg = NULL;
	free(h.hcpus);
	free(h.drv_cpus);
	h.hcpus = h.drv_cpus = NULL;
	return v;
fail:
	lm_machine_fini(NULL);
	lm.hooks = (struct lm_hooks){ 0 };
	lm.run_arg = NULL;
	free(h.hcpus);
	free(h.drv_cpus);
	h.hcpus = h.drv_cpus = NULL;
	return -1;
}

/* ---- tasks ---- */

bool lm_stopping(void)
{
	return atomic_load_explicit(&h.stopping, memory_order_relaxed) != 0;
}

int lm_live_tasks(void)
{
	return atomic_load_explicit(&h.live_tasks, memory_order_acquire);
}

bool lm_task_reserve(int max)
{
	int n = atomic_fetch_add_explicit(&h.live_tasks, 1, memory_order_relaxed);

	if (max > 0 && (n >= max || lm_stopping())) {
		atomic_fetch_sub_explicit(&h.live_tasks, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

struct task_struct *lm_task_create(struct mm_struct *mm, task_step_fn step, void *prog, int cpu)
{
	struct task_struct *t = task_alloc(mm ? 0 : PF_KTHREAD, step, prog);

	if (!t)
		abort();
	if (mm) {
		t->mm = mm;
		t->active_mm = mm;
		t->active_mm_gen = atomic_load_explicit(&mm->gen, memory_order_relaxed);
	}
	t->cpu = cpu;
	return t;
}

struct task_struct *lm_spawn(struct mm_struct *mm, task_step_fn step, void *prog, int cpu)
{
	struct task_struct *t;

	lm_task_reserve(0);
	t = lm_task_create(mm, step, prog, cpu);
	wake_up_new_task(t, cpu);
	return t;
}

enum step_result lm_task_exit(struct task_struct *tsk)
{
	free(tsk->prog);
	tsk->prog = NULL;
	exit_mm();
	/* Release: the task's last model accesses before the host thread sees
	 * it gone [pair:live-tasks]. */
	atomic_fetch_sub_explicit(&h.live_tasks, 1, memory_order_release);
	return STEP_EXIT;
}

struct mm_struct *lm_new_mm(bool map)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		abort();
	if (map)
		do_mmap(mm);
	return mm;
}

/* ---- host threads' CPU time ---- */

uint64_t lm_cpu_thread_ns(int i)
{
	clockid_t id;
	struct timespec ts;

	if (pthread_getcpuclockid(lm.cpus[i].thread, &id) != 0 || clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t lm_least_cpu_since(const uint64_t *since)
{
	uint64_t least = UINT64_MAX;

	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		uint64_t v = lm_cpu_thread_ns(i);
		uint64_t d = v > since[i] ? v - since[i] : 0;

		if (d < least)
			least = d;
	}
	return least;
}

/* What each CPU holds when tasks fail to exit: for the report. */
static void dump_timers(void)
{
	uint64_t now = lm_now_ns();

	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		struct lm_hcpu *hc = &h.hcpus[i];

		for (int k = 0; k < hc->nr_timers && k < 8; k++) {
			struct task_struct *t = hc->timers[k].task;

			fprintf(stderr, "  cpu%d timer: task %d state %d on_rq %d on_cpu %d cpu %d, due %+.3f ms\n",
				i, t->id, atomic_load_explicit(&t->state, memory_order_relaxed), t->on_rq,
				atomic_load_explicit(&t->on_cpu, memory_order_relaxed), t->cpu,
				((double)hc->timers[k].expiry - (double)now) / 1e6);
		}
	}
}

/*
 * A hang is declared when every simulated CPU ran for STOP_CPU_NS and the
 * tasks are still there, or after STOP_WALL_NS whatever happened: on a
 * host that starves the CPU threads (seconds without running, seen on a
 * shared 2-core VM), a wall-clock bound alone would call a healthy run hung.
 */
#define STOP_CPU_NS  2000000000ull
#define STOP_WALL_NS 120000000000ull

void lm_stop_tasks(void)
{
	uint64_t since[NR_CPUS_MAX], t0 = lm_now_ns();

	if (!lm_live_tasks() || lm_aborted()) {
		atomic_store_explicit(&h.stopping, 1, memory_order_release);
		return;
	}
	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		since[i] = lm_cpu_thread_ns(i);
	atomic_store_explicit(&h.stopping, 1, memory_order_release);
	/* [pair:live-tasks] */
	while (lm_live_tasks() > 0 && !lm_aborted()) {
		struct timespec ts = { 0, 1000000 };
		uint64_t wall = lm_now_ns() - t0;

		if (wall > STOP_WALL_NS || (wall > 1000000000ull &&
					    lm_least_cpu_since(since) > STOP_CPU_NS)) {
			lm_violation(INV_HANG, -1, 0, "%s: %d task(s) did not exit in time",
				     h.drv->name, lm_live_tasks());
			lm_dump_state(stderr);
			dump_timers();
			atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
			break;
		}
		nanosleep(&ts, NULL);
	}
}

/* ---- model timers ---- */

enum step_result lm_sleep_for(struct task_struct *tsk, uint64_t ns)
{
	struct lm_hcpu *hc = lm_this->harness;

	if (hc->nr_timers >= LM_TIMERS)
		return STEP_YIELD;
	atomic_store_explicit(&tsk->state, TASK_INTERRUPTIBLE, memory_order_relaxed);
	hc->timers[hc->nr_timers++] = (struct lm_timer){ tsk, lm_now_ns() + ns };
	return STEP_BLOCK;
}

int lm_timers_pending(struct lm_cpu *c)
{
	return ((struct lm_hcpu *)c->harness)->nr_timers;
}

/* ---- model pipes ---- */

/*
 * lm_pipe_write(): add a token, then wake the reader if one is registered.
 * Both sides are seq_cst [pair:lm-pipe]: writer "tokens++ ; xchg(waiter)"
 * against reader "waiter = me ; read tokens".  Without the total order the
 * store-buffering outcome is possible: the writer sees no waiter and the
 * reader sees no token, and the reader sleeps forever (a lost wake-up).
 */
void lm_pipe_write(struct lm_pipe *p)
{
	struct task_struct *w;

	atomic_fetch_add_explicit(&p->tokens, 1, memory_order_seq_cst);
	w = atomic_exchange_explicit(&p->waiter, NULL, memory_order_seq_cst);
	if (w)
		try_to_wake_up(w, w->cpu);      /* tasks stay on their CPU */
}

enum step_result lm_pingpong_step(struct task_struct *tsk, struct lm_pipe *in,
				  struct lm_pipe *out, bool *sent, bool *round_trip)
{
	*round_trip = false;
	if (lm_stopping()) {
		lm_pipe_write(out);
		return lm_task_exit(tsk);
	}
	if (!*sent) {
		touch_user_memory(tsk->mm);
		lm_pipe_write(out);
		*sent = true;
	}
	if (!lm_pipe_read(in, tsk))
		return STEP_BLOCK;
	*sent = false;
	*round_trip = true;
	return STEP_CONTINUE;
}

bool lm_pipe_read(struct lm_pipe *p, struct task_struct *tsk)
{
	for (int tries = 0; tries < 1000; tries++) {
		int t = atomic_load_explicit(&p->tokens, memory_order_seq_cst);
		struct task_struct *me = tsk;

		if (t > 0) {
			if (atomic_compare_exchange_weak_explicit(&p->tokens, &t, t - 1,
								  memory_order_seq_cst,
								  memory_order_relaxed))
				return true;
			continue;
		}
		atomic_store_explicit(&tsk->state, TASK_INTERRUPTIBLE, memory_order_seq_cst);
		/* [pair:lm-pipe] reader side: register, then re-read tokens */
		atomic_store_explicit(&p->waiter, tsk, memory_order_seq_cst);
		if (atomic_load_explicit(&p->tokens, memory_order_seq_cst) == 0)
			return false;
		/* a token came meanwhile: take the registration back, retry */
		atomic_compare_exchange_strong_explicit(&p->waiter, &me, NULL,
							memory_order_seq_cst, memory_order_relaxed);
		atomic_store_explicit(&tsk->state, TASK_RUNNING, memory_order_relaxed);
	}
	return false;   /* unreachable in practice; a spurious block is harmless:
			   the state is RUNNING, so schedule() keeps it queued */
}
