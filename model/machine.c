/*
 * machine.c - bringing the simulated machine up and down.
 *
 * Boot mirrors start_kernel()/sched_init()/cpu_init(): every CPU starts on
 * init_mm with its idle task lazy on it.  Shutdown mirrors CPU hot-unplug
 * (kernel/cpu.c): each CPU's idle task runs idle_task_exit(), and CPU 0
 * calls finish_cpu() for every CPU, which drops the lazy mm each idle task
 * still held.  After that every mm must be gone: anything left is a leak.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "lazy/lazy.h"

struct lm_machine lm;
__thread struct lm_cpu *lm_this;

static struct pgtable init_pgd = { .state = OBJ_LIVE, .gen = 0, .level = 4, .owner_id = 0 };
static void (*cpu_main_fn)(struct lm_cpu *);

uint64_t lm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lm_spin_ns(uint64_t ns)
{
	uint64_t end = lm_now_ns() + ns;

	while (lm_now_ns() < end)
		cpu_relax();
}

/* xorshift64*: per-CPU, so runs are reproducible per CPU from the seed. */
uint64_t lm_rand(struct lm_cpu *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}


int lm_host_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Undo a partial lm_machine_init(): nothing it allocated survives. */
static void init_failed(bool scheme_ready)
{
	if (scheme_ready && lm.cfg.ops->fini)
		lm.cfg.ops->fini();
	lm_quarantine_release();
	free(lm.cpus);
	lm.cpus = NULL;
}

int lm_machine_init(const struct lm_config *cfg)
{
	memset(&lm, 0, sizeof(lm));
	lm.cfg = *cfg;
	if (lm.cfg.nr_cpus < 1 || lm.cfg.nr_cpus > NR_CPUS_MAX)
		return -EINVAL;
	if (!lm.cfg.wait_timeout_ns) {
#if defined(LAZYMM_TSAN)
		/* ThreadSanitizer slows every atomic by one to two orders of
		 * magnitude: a loaded host must not look like a hang */
		lm.cfg.wait_timeout_ns = 60ull * 1000000000ull;
#else
		/* generous: a host oversubscribed by other work slows the
		 * simulated CPUs' spin waits by orders of magnitude */
		lm.cfg.wait_timeout_ns = 30ull * 1000000000ull;
#endif
	}
	if (!lm.cfg.max_reports)
		lm.cfg.max_reports = 8;
	else if (lm.cfg.max_reports < 0)
		lm.cfg.max_reports = 0;     /* count only */

	memset(&init_mm, 0, sizeof(init_mm));
	atomic_store_explicit(&init_mm.state, OBJ_LIVE, memory_order_relaxed);
	atomic_store_explicit(&init_mm.mm_users, 1 << 30, memory_order_relaxed);
	atomic_store_explicit(&init_mm.mm_count, 1 << 30, memory_order_relaxed);
	init_mm.pgd = &init_pgd;
	atomic_store_explicit(&init_mm.id, 0, memory_order_relaxed);
	init_mm.ctx_id = 0;          /* ctx_ids of real mms start at 1 */
	efi_mm_init();

	if (posix_memalign((void **)&lm.cpus, LM_CACHELINE,
			   sizeof(struct lm_cpu) * (size_t)lm.cfg.nr_cpus))
		return -ENOMEM;
	memset(lm.cpus, 0, sizeof(struct lm_cpu) * (size_t)lm.cfg.nr_cpus);
	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		struct lm_cpu *c = &lm.cpus[i];

		c->cpu = i;
		c->rng = (lm.cfg.seed + 1) * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 0xBF58476D1CE4E5B9ULL;
		if (!c->rng)
			c->rng = 1;
		lm_this = c;                 /* bring-up runs "on" the CPU */
		initialize_tlbstate_and_flush();
		sched_init_cpu(c);
		lm_this = NULL;
	}
	atomic_store_explicit(&lm.cpu_online_mask,
			      lm.cfg.nr_cpus >= 64 ? ~0ull : (1ull << lm.cfg.nr_cpus) - 1,
			      memory_order_relaxed);
	if (lm.cfg.mutant) {
		const struct lazy_mutant *m = lazy_find_mutant(lm.cfg.ops, lm.cfg.mutant);

		if (!m) {
			init_failed(false);
			return -ENOENT;
		}
		lm.mutations = m->mutations;
	}
	/* The x86 order the scheme declares, less what its mutant puts back
	 * to the v6.11 order. */
	lm.x86 = lm.cfg.ops->x86;
	if (lm_mutated(LM_MUT_CPUMASK_CLEAR_EARLY))
		lm.x86.cpumask_clear_late = false;
	if (lm_mutated(LM_MUT_SWITCH_LDT_LATE))
		lm.x86.switch_ldt_early = false;
	if (lm_mutated(LM_MUT_IRQS_ON_ACTIVATE_MM))
		lm.x86.irqs_off_activate_mm = false;
	if (lm_mutated(LM_MUT_IBPB_MM_POINTER))
		lm.x86.ibpb_ctx_id = false;
	if (lm_mutated(LM_MUT_EFI_LEAVE_ACTIVE_MM))
		lm.x86.efi_leave_init_mm = false;
	if (lm.cfg.ops->init && lm.cfg.ops->init() != 0) {
		init_failed(false);
		return -ENOMEM;
	}
	if (lm.cfg.ipi_mode == IPI_SIGNAL && smp_init_signals() != 0) {
		int err = -errno;

		init_failed(true);
		return err;
	}
	return 0;
}

static _Atomic int all_started;

static void *cpu_thread(void *arg)
{
	struct lm_cpu *c = arg;

	lm_this = c;
	/* Wait until every CPU thread exists: an IPI is a signal to a host
	 * thread, which needs its pthread_t [pair:cpu-start]. */
	while (!atomic_load_explicit(&all_started, memory_order_acquire))
		sched_yield();
	cpu_main_fn(c);
	lm_this = NULL;
	return NULL;
}

int lm_machine_start(void (*cpu_main)(struct lm_cpu *))
{
	int host = lm_host_cpus();

	cpu_main_fn = cpu_main;
	atomic_store_explicit(&all_started, 0, memory_order_relaxed);
	lm.pinned = lm.cfg.pin && lm.cfg.nr_cpus <= host;
	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		struct lm_cpu *c = &lm.cpus[i];
		int err = pthread_create(&c->thread, NULL, cpu_thread, c);

		if (err) {
			/* let the threads already created leave at once */
			atomic_store_explicit(&lm.stop, 1, memory_order_relaxed);
			atomic_store_explicit(&all_started, 1, memory_order_release);
			return -err;
		}
		c->thread_started = true;
		if (lm.pinned) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(i % host, &set);
			if (pthread_setaffinity_np(c->thread, sizeof(set), &set) != 0)
				lm.pinned = false;
		}
	}
	/* Every c->thread is written: release the CPUs [pair:cpu-start]. */
	atomic_store_explicit(&all_started, 1, memory_order_release);
	return 0;
}

/* Called from the idle loop during shutdown. */
void lm_idle_offline(struct lm_cpu *c)
{
	static __thread bool done;
	int n = lm.cfg.nr_cpus;

	if (atomic_load_explicit(&lm.phase, memory_order_acquire) != PHASE_OFFLINE || done)
		return;
	if (c->cpu != 0) {
		idle_task_exit();
		done = true;
		atomic_fetch_add_explicit(&lm.nr_offline, 1, memory_order_release);
		return;
	}
	if (atomic_load_explicit(&lm.nr_offline, memory_order_acquire) < n - 1)
		return;
	/* CPU 0 is the controller: finish every dead CPU, then itself. */
	for (int cpu = 1; cpu < n; cpu++)
		finish_cpu(cpu);
	idle_task_exit();
	finish_cpu(0);
	done = true;
	atomic_store_explicit(&lm.phase, PHASE_DONE, memory_order_release);
}

/* Take every CPU offline (bounded), so that all lazy references go. */
int lm_machine_offline_all(void)
{
	uint64_t deadline = lm_now_ns() + lm.cfg.wait_timeout_ns;

	if (atomic_load_explicit(&lm.phase, memory_order_acquire) == PHASE_DONE)
		return 0;       /* already offline */
	atomic_store_explicit(&lm.phase, PHASE_OFFLINE, memory_order_release);
	while (atomic_load_explicit(&lm.phase, memory_order_acquire) != PHASE_DONE) {
		if (atomic_load_explicit(&lm.abort, memory_order_relaxed))
			return -1;
		if (lm_now_ns() > deadline) {
			lm_violation(INV_HANG, -1, 0, "shutdown: CPUs did not go offline in time");
			lm_dump_state(stderr);
			atomic_store_explicit(&lm.abort, 1, memory_order_relaxed);
			return -1;
		}
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

void lm_machine_stop(void)
{
	atomic_store_explicit(&lm.stop, 1, memory_order_release);
	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		if (lm.cpus[i].thread_started) {
			pthread_join(lm.cpus[i].thread, NULL);
			lm.cpus[i].thread_started = false;
		}
}

/* After stop: the leak check, then free everything.  Returns the number of
 * violations of the run (leaks included). */
int lm_machine_fini(FILE *out)
{
	uint64_t v;

	if (!atomic_load_explicit(&lm.abort, memory_order_relaxed))
		lm_leak_check(out);
	v = lm_total_violations();
	if (lm.cfg.ops->fini)
		lm.cfg.ops->fini();
	lm_quarantine_release();
	free(lm.cpus);
	lm.cpus = NULL;
	return v > 0x7fffffff ? 0x7fffffff : (int)v;
}
