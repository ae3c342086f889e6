/*
 * check.c - the safety checkers and the model's bookkeeping.
 *
 * No kernel equivalent: this is the KASAN of the model.  Freed mm structs
 * and page tables are not returned to malloc during a run: they are
 * poisoned, their generation is bumped, and they wait in a quarantine (or,
 * with reuse on, are handed out again at the same address, so that a stale
 * pointer compares equal to a new object: the ABA case, I8).  Every holder
 * of a pointer the kernel dereferences (loaded_mm, active_mm, rq->prev_mm,
 * CR3, cached page tables) keeps the generation it saw, and each access
 * checks that the object is live and of that generation.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

const char *const lm_counter_names[CNT_NR] = {
	[CNT_CS_USER_USER] = "cs_user_user",
	[CNT_CS_USER_KERNEL] = "cs_user_kernel",
	[CNT_CS_KERNEL_USER] = "cs_kernel_user",
	[CNT_CS_KERNEL_KERNEL] = "cs_kernel_kernel",
	[CNT_RMW_MM_COUNT] = "rmw_mm_count",
	[CNT_RMW_CPUMASK] = "rmw_mm_cpumask",
	[CNT_RMW_TLB_GEN] = "rmw_tlb_gen",
	[CNT_RMW_OTHER] = "rmw_mm_users",
	[CNT_LOCK] = "sched_locks",
	[CNT_STORE_SHARED] = "stores_shared_read",
	[CNT_FENCE] = "smp_mb",
	[CNT_CR3_WRITE] = "cr3_writes",
	[CNT_CR3_FLUSH] = "cr3_flushing",
	[CNT_IPI_SENT] = "ipi_sent",
	[CNT_IPI_RECV] = "ipi_received",
	[CNT_IPI_WASTED] = "ipi_nothing_to_do",
	[CNT_IPI_TEARDOWN] = "ipi_teardown",
	[CNT_IPI_FLUSH] = "ipi_flush",
	[CNT_FLUSH] = "tlb_flushes",
	[CNT_FLUSH_SKIPPED_LAZY] = "flush_skipped_lazy",
	[CNT_LAZY_EVICT] = "lazy_evictions",
	[CNT_SLOTS_SCANNED] = "slots_scanned",
	[CNT_SPEC_WALK] = "page_walks",
	[CNT_ROUND_TRIP] = "round_trips",
	[CNT_TASK_STEP] = "task_steps",
	[CNT_ST_IS_LAZY] = "store_is_lazy",
	[CNT_ST_LOADED_MM] = "store_loaded_mm",
	[CNT_ST_HAZARD] = "store_hazard_slot",
	[CNT_LD_TLB_GEN] = "load_tlb_gen",
	[CNT_MMDROP] = "mmdrop_teardowns",
	[CNT_LOCK_RQ] = "sched_locks_rq",
	[CNT_IPI_WAIT_ROUND] = "ipi_wait_rounds",
};

const char *const lm_phase_names[PH_NR] = {
	[PH_OTHER] = "other",
	[PH_SCHED] = "sched",
	[PH_CS_UU_SAME] = "cs_uu_same",
	[PH_CS_UU_DIFF] = "cs_uu_diff",
	[PH_CS_UK] = "cs_uk",
	[PH_CS_KU_SAME] = "cs_ku_same",
	[PH_CS_KU_DIFF] = "cs_ku_diff",
	[PH_CS_KK] = "cs_kk",
	[PH_WAKE] = "wake",
	[PH_MMPUT] = "mmput",
	[PH_MMDROP] = "mmdrop",
	[PH_IRQ] = "irq",
};

const char *const lm_invariant_names[INV_NR] = {
	[INV_ROOT] = "I1-root-freed",
	[INV_PWC] = "I2-walk-freed-table",
	[INV_MM_ALIVE] = "I3-mm-freed",
	[INV_TLB_GEN] = "I4-stale-tlb",
	[INV_CPUMASK] = "I5-cpumask",
	[INV_ONE_LAZY] = "I6-lazy-accounting",
	[INV_RESURRECT] = "I7-resurrection",
	[INV_IRQ] = "I10-irq-context",
	[INV_LEAK] = "leak",
	[INV_HANG] = "hang",
};

const char *const lm_point_names[SP_NR] = {
	[SP_NONE] = "none",
	[SP_CTXSW_BEFORE_SWITCH_MM] = "context_switch.before_switch_mm",
	[SP_CTXSW_AFTER_SWITCH] = "context_switch.after_switch",
	[SP_FINISH_BEFORE_DROP] = "finish_task_switch.before_drop",
	[SP_SWITCH_MM_LAZY_RETURN] = "switch_mm_irqs_off.lazy_return",
	[SP_SWITCH_MM_SWITCHING] = "switch_mm_irqs_off.switching",
	[SP_SWITCH_MM_PUBLISHED] = "switch_mm_irqs_off.published",
	[SP_FLUSH_AFTER_GEN] = "flush_tlb_mm_range.after_gen",
	[SP_EXIT_MMAP_BEFORE_FLUSH] = "exit_mmap.before_flush",
	[SP_EXIT_MMAP_AFTER_FREE] = "exit_mmap.after_free",
	[SP_MMDROP_BEFORE_CLEANUP] = "__mmdrop.before_cleanup",
	[SP_MMDROP_BEFORE_FREE] = "__mmdrop.before_free",
	[SP_EXEC_AFTER_ACTIVATE] = "exec_mmap.after_activate",
	[SP_KTHREAD_USE_AFTER_GET] = "kthread.after_mmget_not_zero",
	[SP_KTHREAD_USE_AFTER_SWITCH] = "kthread_use_mm.after_switch",
	[SP_EXIT_MM_LAZY] = "exit_mm.lazy",
	[SP_IDLE] = "idle",
	[SP_SC_HOLD] = "scenario.hold",
};

static const char *const event_names[EV_NR] = {
	[EV_SWITCH_UU] = "switch user->user", [EV_SWITCH_UK] = "switch user->kernel",
	[EV_SWITCH_KU] = "switch kernel->user", [EV_SWITCH_KK] = "switch kernel->kernel",
	[EV_LOAD_MM] = "load mm", [EV_LAZY] = "enter lazy", [EV_LAZY_RETURN] = "lazy return",
	[EV_EVICT] = "lazy evicted by flush", [EV_FLUSH] = "flush", [EV_FLUSH_RECV] = "flush received",
	[EV_IPI_RECV] = "ipi", [EV_GRAB] = "lazy grab", [EV_DROP] = "lazy drop",
	[EV_EXIT_MM] = "exit_mm", [EV_EXIT_MMAP] = "exit_mmap", [EV_MMDROP_FREE] = "__mmdrop free",
	[EV_EXEC] = "exec_mmap", [EV_USE_MM] = "kthread_use_mm", [EV_UNUSE_MM] = "kthread_unuse_mm",
	[EV_SHOOT] = "shot down", [EV_OFFLINE] = "offline", [EV_MIGRATE] = "migrate",
};

#if defined(LAZYMM_TSAN)
_Atomic unsigned long lm_tsan_fence_word;
#endif

void (*lm_point_hook)(int point);
int (*lm_preempt_hook)(struct task_struct *tsk, int point);

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_struct *mm_quarantine;
static struct pgtable *pt_quarantine;
/* Every object ever allocated in this run, freed or not, so the end of the
 * run releases leaked ones too (after the leak check reported them). */
static struct mm_struct *all_mms;
static struct pgtable *all_pts;
static struct task_struct *all_tasks;
static long live_mms, live_tables, live_tasks;

static struct {
	uint64_t count, sum_ns, max_ns, cpus_exit_mmap, cpus_mmdrop;
} teardown;

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

void lm_event(uint16_t what, struct task_struct *t, struct mm_struct *mm)
{
	struct lm_cpu *c = lm_this;
	struct lm_event *e;

	if (!c)
		return;
	/* Owner-only; an IPI handler may overwrite an entry being written:
	 * the ring is a diagnostic, not an invariant. */
	e = &c->ring[c->ring_seq & (EVENT_RING - 1)];
	e->seq = c->ring_seq++;
	e->what = what;
	e->task = t ? (int32_t)t->id : -1;
	e->mm = (mm == NULL) ? -1 : (mm == &init_mm) ? 0 :
		(mm == LOADED_MM_SWITCHING) ? -2 : mm_id(mm);
	e->gen = (mm && mm != LOADED_MM_SWITCHING && mm != &init_mm)
		? atomic_load_explicit(&mm->gen, memory_order_relaxed) : 0;
}

/* Format into a buffer and write(2) it: callable from the IPI handler. */
static void report(const char *buf, size_t len)
{
	ssize_t r = write(STDERR_FILENO, buf, len);
	(void)r;
}

void lm_violation(enum lm_invariant inv, int mm_id, uint32_t gen, const char *fmt, ...)
{
	char buf[4096];
	size_t n = 0;
	va_list ap;
	struct lm_cpu *c = lm_this;

	atomic_fetch_add_explicit(&lm.violations[inv], 1, memory_order_relaxed);
	if (atomic_fetch_add_explicit(&lm.reports, 1, memory_order_relaxed) >= (uint64_t)lm.cfg.max_reports)
		return;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "VIOLATION %s (mm%d gen %u): ",
			      lm_invariant_names[inv], mm_id, gen);
	va_start(ap, fmt);
	n += (size_t)vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n < sizeof(buf) - 1)
		buf[n++] = '\n';
	if (c) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  last events on cpu%d (oldest first):\n", c->cpu);
		for (uint32_t i = c->ring_seq > EVENT_RING ? c->ring_seq - EVENT_RING : 0;
		     i < c->ring_seq && n < sizeof(buf) - 128; i++) {
			struct lm_event *e = &c->ring[i & (EVENT_RING - 1)];
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "    #%u %-22s task %d mm%d gen %u\n",
					      e->seq, e->what < EV_NR && event_names[e->what] ? event_names[e->what] : "?",
					      e->task, e->mm, e->gen);
		}
	}
	if (n > sizeof(buf))
		n = sizeof(buf);
	report(buf, n);
}

static const char *why_dead(int st, uint32_t g, uint32_t want)
{
	if (st != OBJ_LIVE)
		return "freed";
	if (g != want)
		return "freed and reused (generation changed)";
	return "live";
}

bool check_mm(struct mm_struct *mm, uint32_t gen, enum lm_invariant inv, const char *site)
{
	int st;
	uint32_t g;

	if (mm == &init_mm)
		return true;
	if (mm == NULL || mm == LOADED_MM_SWITCHING) {
		lm_violation(inv, -1, 0, "cpu%d: %s: NULL/sentinel mm", lm_this ? lm_this->cpu : -1, site);
		return false;
	}
	st = atomic_load_explicit(&mm->state, memory_order_acquire);
	g = atomic_load_explicit(&mm->gen, memory_order_relaxed);
	if (likely(st == OBJ_LIVE && g == gen))
		return true;
	lm_violation(inv, mm_id(mm), gen, "cpu%d: %s: mm%d is %s (gen now %u)",
		     lm_this ? lm_this->cpu : -1, site, mm_id(mm), why_dead(st, g, gen), g);
	return false;
}

bool check_mm_live(struct mm_struct *mm, enum lm_invariant inv, const char *site)
{
	if (mm == &init_mm)
		return true;
	if (likely(atomic_load_explicit(&mm->state, memory_order_acquire) == OBJ_LIVE))
		return true;
	lm_violation(inv, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
		     "cpu%d: %s: mm%d is freed", lm_this ? lm_this->cpu : -1, site, mm_id(mm));
	return false;
}

void check_pgtable(struct pgtable *pt, uint32_t gen, enum lm_invariant inv, const char *site)
{
	int st;
	uint32_t g;

	if (pt == init_mm.pgd)
		return;
	st = atomic_load_explicit(&pt->state, memory_order_acquire);
	g = atomic_load_explicit(&pt->gen, memory_order_relaxed);
	if (likely(st == OBJ_LIVE && g == gen))
		return;
	lm_violation(inv, pt->owner_id, gen, "cpu%d: %s: level-%d page table of mm%d is %s",
		     lm_this ? lm_this->cpu : -1, site, pt->level, pt->owner_id, why_dead(st, g, gen));
}

struct pgtable *pgtable_alloc(int level, int owner)
{
	struct pgtable *pt;

	if (posix_memalign((void **)&pt, LM_CACHELINE, sizeof(*pt)))
		abort();
	memset(pt, 0, sizeof(*pt));
	pt->level = level;
	pt->owner_id = owner;
	atomic_store_explicit(&pt->gen, 1, memory_order_relaxed);
	atomic_store_explicit(&pt->state, OBJ_LIVE, memory_order_release);
	pthread_mutex_lock(&alloc_lock);
	live_tables++;
	pt->all_next = all_pts;
	all_pts = pt;
	pthread_mutex_unlock(&alloc_lock);
	return pt;
}

void pgtable_free(struct pgtable *pt)
{
	if (atomic_load_explicit(&pt->state, memory_order_relaxed) != OBJ_LIVE) {
		lm_violation(INV_MM_ALIVE, pt->owner_id, 0, "double free of a page table of mm%d",
			     pt->owner_id);
		return;
	}
	atomic_fetch_add_explicit(&pt->gen, 1, memory_order_relaxed);
	atomic_store_explicit(&pt->state, OBJ_FREED, memory_order_release);
	pthread_mutex_lock(&alloc_lock);
	pt->qnext = pt_quarantine;
	pt_quarantine = pt;
	live_tables--;
	pthread_mutex_unlock(&alloc_lock);
}

struct mm_struct *mm_struct_alloc(void)
{
	struct mm_struct *mm = NULL;

	pthread_mutex_lock(&alloc_lock);
	if (lm.cfg.reuse_addresses && mm_quarantine) {
		/* the most recently freed: a stale pointer now aliases it */
		mm = mm_quarantine;
		mm_quarantine = mm->qnext;
	}
	live_mms++;
	pthread_mutex_unlock(&alloc_lock);
	if (!mm) {
		if (posix_memalign((void **)&mm, LM_CACHELINE, sizeof(*mm)))
			abort();
		memset(mm, 0, sizeof(*mm));
		atomic_store_explicit(&mm->gen, 1, memory_order_relaxed);
		pthread_mutex_lock(&alloc_lock);
		mm->all_next = all_mms;
		all_mms = mm;
		pthread_mutex_unlock(&alloc_lock);
	}
	mm->qnext = NULL;
	return mm;
}

void mm_struct_free(struct mm_struct *mm)
{
	if (atomic_load_explicit(&mm->state, memory_order_relaxed) != OBJ_LIVE) {
		lm_violation(INV_MM_ALIVE, mm_id(mm), 0, "double free of mm%d", mm_id(mm));
		return;
	}
	/* Poison: the generation moves on, the counters can never again look
	 * like a live mm's, the page-table slots are empty. */
	atomic_fetch_add_explicit(&mm->gen, 1, memory_order_relaxed);
	atomic_store_explicit(&mm->mm_users, -1000000, memory_order_relaxed);
	atomic_store_explicit(&mm->mm_count, -1000000, memory_order_relaxed);
	atomic_store_explicit(&mm->state, OBJ_FREED, memory_order_release);
	pthread_mutex_lock(&alloc_lock);
	mm->qnext = mm_quarantine;
	mm_quarantine = mm;
	live_mms--;
	pthread_mutex_unlock(&alloc_lock);
}

void task_register(struct task_struct *t)
{
	pthread_mutex_lock(&alloc_lock);
	t->all_next = all_tasks;
	all_tasks = t;
	live_tasks++;
	pthread_mutex_unlock(&alloc_lock);
}

/* put_task_struct(): the task's memory is kept until the end of the run
 * (drivers may still hold its pointer); only its accounting ends here. */
void task_free(struct task_struct *t)
{
	pthread_mutex_lock(&alloc_lock);
	if (t->freed)
		lm_violation(INV_LEAK, -1, 0, "task %d freed twice", t->id);
	t->freed = true;
	live_tasks--;
	pthread_mutex_unlock(&alloc_lock);
}

void lm_teardown_record(struct mm_struct *mm)
{
	uint64_t lat = mm->t_users_zero_ns ? lm_now_ns() - mm->t_users_zero_ns : 0;

	pthread_mutex_lock(&alloc_lock);
	teardown.count++;
	teardown.sum_ns += lat;
	if (lat > teardown.max_ns)
		teardown.max_ns = lat;
	teardown.cpus_exit_mmap += (uint64_t)mm->cpus_at_exit_mmap;
	teardown.cpus_mmdrop += (uint64_t)mm->cpus_at_mmdrop;
	pthread_mutex_unlock(&alloc_lock);
}

void lm_teardown_stats(uint64_t *count, uint64_t *sum_ns, uint64_t *max_ns,
		       uint64_t *cpus_exit_mmap, uint64_t *cpus_mmdrop)
{
	pthread_mutex_lock(&alloc_lock);
	*count = teardown.count;
	*sum_ns = teardown.sum_ns;
	*max_ns = teardown.max_ns;
	*cpus_exit_mmap = teardown.cpus_exit_mmap;
	*cpus_mmdrop = teardown.cpus_mmdrop;
	pthread_mutex_unlock(&alloc_lock);
}

/* Leak check at the end of a run: every mm, page table and task allocated
 * must be freed.  Returns the number of leaked objects. */
int lm_leak_check(FILE *out)
{
	int leaks = 0;

	pthread_mutex_lock(&alloc_lock);
	if (live_mms || live_tables) {
		if (out)
			fprintf(out, "LEAK: %ld mm(s) and %ld page table(s) still allocated\n",
			live_mms, live_tables);
		leaks += (int)(live_mms + live_tables);
	}
	for (struct task_struct *t = all_tasks; t; t = t->all_next) {
		if (t->freed || (t->flags & PF_IDLE))
			continue;
		if (out)
			fprintf(out, "LEAK: task %d never exited (state %d)\n", t->id,
				atomic_load_explicit(&t->state, memory_order_relaxed));
		leaks++;
	}
	pthread_mutex_unlock(&alloc_lock);
	if (leaks)
		atomic_fetch_add_explicit(&lm.violations[INV_LEAK], (uint64_t)leaks, memory_order_relaxed);
	return leaks;
}

/* Release everything the run kept: quarantined objects and all tasks. */
void lm_quarantine_release(void)
{
	pthread_mutex_lock(&alloc_lock);
	while (all_mms) {
		struct mm_struct *n = all_mms->all_next;
		free(all_mms);
		all_mms = n;
	}
	while (all_pts) {
		struct pgtable *n = all_pts->all_next;
		free(all_pts);
		all_pts = n;
	}
	mm_quarantine = NULL;
	pt_quarantine = NULL;
	while (all_tasks) {
		struct task_struct *n = all_tasks->all_next;
		free(all_tasks);
		all_tasks = n;
	}
	live_mms = live_tables = live_tasks = 0;
	memset(&teardown, 0, sizeof(teardown));
	pthread_mutex_unlock(&alloc_lock);
}

uint64_t lm_total(enum lm_counter c)
{
	uint64_t s = 0;

	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		s += lm.cpus[i].cnt[0][c] + lm.cpus[i].cnt[1][c];
	return s;
}

/* The counter c summed over CPUs, for events counted in phase ph. */
uint64_t lm_phase_total(int ph, enum lm_counter c)
{
	uint64_t s = 0;

	for (int i = 0; i < lm.cfg.nr_cpus; i++)
		s += lm.cpus[i].pcnt[ph][c];
	return s;
}

uint64_t lm_total_violations(void)
{
	uint64_t s = 0;

	for (int i = 0; i < INV_NR; i++)
		s += atomic_load_explicit(&lm.violations[i], memory_order_relaxed);
	return s;
}

void lm_print_counters(FILE *out)
{
	for (int c = 0; c < CNT_NR; c++)
		fprintf(out, "  %-22s %12llu\n", lm_counter_names[c], (unsigned long long)lm_total(c));
}

/* A hang's post-mortem: what each CPU runs and every task still alive.
 * Racy reads of other CPUs' state, for diagnostics only. */
void lm_dump_state(FILE *out)
{
	if (!out)
		return;
	for (int i = 0; i < lm.cfg.nr_cpus; i++) {
		struct lm_cpu *c = &lm.cpus[i];
		struct task_struct *cur = atomic_load_explicit(&c->rq.curr, memory_order_relaxed);

		fprintf(out, "  cpu%d: curr task %d%s, queued %d, need_resched %d, irqs %s, in_irq %d, call queue %s\n",
			i, cur ? cur->id : -1, cur == c->rq.idle ? " (idle)" : "",
			atomic_load_explicit(&c->rq.nr_queued, memory_order_relaxed),
			atomic_load_explicit(&c->rq.need_resched, memory_order_relaxed),
			atomic_load_explicit(&c->irq.off, memory_order_relaxed) ? "off" : "on",
			atomic_load_explicit(&c->irq.in_irq, memory_order_relaxed),
			atomic_load_explicit(&c->irq.queue, memory_order_relaxed) ? "non-empty" : "empty");
	}
	pthread_mutex_lock(&alloc_lock);
	for (struct task_struct *t = all_tasks; t; t = t->all_next) {
		if (t->freed || (t->flags & PF_IDLE))
			continue;
		fprintf(out, "  task %d: state %d, on_rq %d, on_cpu %d, cpu %d, migrate_to %d, %s\n",
			t->id, atomic_load_explicit(&t->state, memory_order_relaxed), t->on_rq,
			atomic_load_explicit(&t->on_cpu, memory_order_relaxed), t->cpu, t->migrate_to,
			t->mm ? "user" : "kernel");
	}
	pthread_mutex_unlock(&alloc_lock);
}
