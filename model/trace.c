/*
 * trace.c - what the model records for a reader: model point names, the
 * per-CPU event ring (printed with a violation, check.c) and the state
 * dump of a hang's post-mortem.
 */
#include "model.h"

#define POINT_NAME(id, name) [id] = name,
const char *const lm_point_names[SP_NR] = { LM_POINTS(POINT_NAME) };

const char *const lm_event_names[EV_NR] = {
	[EV_SWITCH_UU] = "switch user->user", [EV_SWITCH_UK] = "switch user->kernel",
	[EV_SWITCH_KU] = "switch kernel->user", [EV_SWITCH_KK] = "switch kernel->kernel",
	[EV_LOAD_MM] = "load mm", [EV_LAZY] = "enter lazy", [EV_LAZY_RETURN] = "lazy return",
	[EV_EVICT] = "lazy evicted by flush", [EV_FLUSH] = "flush", [EV_FLUSH_RECV] = "flush received",
	[EV_IPI_RECV] = "ipi", [EV_GRAB] = "lazy grab", [EV_DROP] = "lazy drop",
	[EV_EXIT_MM] = "exit_mm", [EV_EXIT_MMAP] = "exit_mmap", [EV_MMDROP_FREE] = "__mmdrop free",
	[EV_EXEC] = "exec_mmap", [EV_USE_MM] = "kthread_use_mm", [EV_UNUSE_MM] = "kthread_unuse_mm",
	[EV_SHOOT] = "shot down", [EV_OFFLINE] = "offline", [EV_MIGRATE] = "migrate",
};

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
	lm_dump_tasks(out);
}
