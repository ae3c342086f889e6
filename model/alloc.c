/*
 * alloc.c - the model's allocator: the KASAN of the model.
 *
 * No kernel equivalent.  Freed mm structs and page tables are not returned
 * to malloc during a run: they are poisoned, their generation is bumped,
 * and they wait in a quarantine (or, with reuse on, are handed out again at
 * the same address, so that a stale pointer compares equal to a new
 * object: the ABA case, caught by the generation check of I1-I3).  Every
 * holder of a pointer the kernel dereferences (loaded_mm, active_mm,
 * rq->prev_mm, CR3, cached page tables) keeps the generation it saw, and
 * each access checks that the object is live and of that generation
 * (check.c).  At the end of a run: the leak check, then everything is
 * released.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_struct *mm_quarantine;
static struct pgtable *pt_quarantine;
/* Every object ever allocated in this run, freed or not, so the end of the
 * run releases leaked ones too (after the leak check reported them). */
static struct mm_struct *all_mms;
static struct pgtable *all_pts;
static struct task_struct *all_tasks;
static long live_mms, live_tables, live_tasks;

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

/* Models put_task_struct() of a dead task: its accounting ends here; its
 * memory is kept until the end of the run (drivers may still hold its
 * pointer) and released by lm_quarantine_release(). */
void put_task_struct(struct task_struct *t)
{
	pthread_mutex_lock(&alloc_lock);
	if (t->dead)
		lm_violation(INV_LEAK, -1, 0, "task %d released twice", t->id);
	t->dead = true;
	live_tasks--;
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
		if (t->dead || (t->flags & PF_IDLE))
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
	pthread_mutex_unlock(&alloc_lock);
}


/* Every task still alive (racy reads of their state: diagnostics only). */
void lm_dump_tasks(FILE *out)
{
	pthread_mutex_lock(&alloc_lock);
	for (struct task_struct *t = all_tasks; t; t = t->all_next) {
		if (t->dead || (t->flags & PF_IDLE))
			continue;
		fprintf(out, "  task %d: state %d, on_rq %d, on_cpu %d, cpu %d, migrate_to %d, %s\n",
			t->id, atomic_load_explicit(&t->state, memory_order_relaxed), t->on_rq,
			atomic_load_explicit(&t->on_cpu, memory_order_relaxed), t->cpu, t->migrate_to,
			t->mm ? "user" : "kernel");
	}
	pthread_mutex_unlock(&alloc_lock);
}
