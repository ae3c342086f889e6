/*
 * check.c - the safety checkers and the invariant catalogue.
 *
 * No kernel equivalent.  Each check reads an object's state and generation
 * (alloc.c poisons and bumps them on free) and reports a violation of the
 * invariant the caller names (invariants.h): what was wrong, then the last
 * events of the reporting CPU (trace.c).
 */
#include <stdarg.h>
#include <unistd.h>

#include "model.h"

#define INVARIANT_NAME(id, name, desc) [id] = name,
#define INVARIANT_DESC(id, name, desc) [id] = desc,
const char *const lm_invariant_names[INV_NR] = { LM_INVARIANTS(INVARIANT_NAME) };
const char *const lm_invariant_desc[INV_NR] = { LM_INVARIANTS(INVARIANT_DESC) };

#if defined(LAZYMM_TSAN)
_Atomic unsigned long lm_tsan_fence_word;
#endif

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
					      e->seq, e->what < EV_NR && lm_event_names[e->what] ? lm_event_names[e->what] : "?",
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

