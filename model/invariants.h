/*
 * invariants.h - the one catalogue of what the checkers enforce.
 *
 * Every violation the model reports names one of these.  A condition is
 * classified the same way wherever it is detected (a scheme, the core, a
 * driver).  LM_INVARIANTS is the one list: enum name, the name a report
 * prints (with the number the documentation cites, docs/model.md), and
 * what it means:
 *
 *   I1  INV_ROOT       no CPU's CR3 root is a freed pgd
 *   I2  INV_PWC        no page walk goes through a freed lower page table
 *   I3  INV_MM_ALIVE   no dereference of a freed mm_struct; a stale pointer
 *                      to a reused address (ABA) is caught here too, by the
 *                      generation every holder keeps
 *   I4  INV_TLB_GEN    no return to user space with a stale tlb_gen
 *   I5  INV_CPUMASK    a CPU using an mm is in its mm_cpumask
 *   I6  INV_ONE_LAZY   lazy tracking covers every lazy CPU, at most one
 *                      lazy mm per CPU (a CPU still borrowing an mm after
 *                      its teardown's shootdown is an I6 violation)
 *   I7  INV_RESURRECT  no use of an mm begins after its mm_users reached 0;
 *                      a teardown that finds a CPU using the mm for real
 *                      is an I7 violation in every scheme
 *   I9  INV_MEMBARRIER a full barrier between every store membarrier()
 *                      reads (rq->curr, tsk->mm) and the next user access
 *                      or mm_cid load; membarrier()'s own barriers and
 *                      IPIs; rq->membarrier_state follows the mm (membarrier.c)
 *   I10 INV_IRQ        no waiting IPI with irqs off
 *   I11 INV_SELF       the teardown covers the CPU that runs it: after
 *                      cleanup_lazy_tlbs(), the CPU running __mmdrop() no
 *                      longer has the mm loaded
 *   I12 INV_CONTEXT    the final __mmdrop() runs in task context with irqs
 *                      on (preemption may be off: khugepaged drops under a
 *                      spinlock), and what a scheme's cleanup does there is
 *                      allowed in that context (no preemptible-only step)
 *   I13 INV_IBPB       no switch between two different address spaces on a
 *                      CPU without an IBPB (cond_mitigation(), tlb.c)
 *   I14 INV_ACTIVE_MM  __mmdrop() never frees current->active_mm (its
 *                      WARN_ON_ONCE), and no switch back to a freed active_mm
 *       INV_LEAK       every object the run allocated is freed at its end
 *       INV_HANG       every bounded wait completed
 *
 * I8 is a requirement the documentation names without a checker of its
 * own: I8 (ABA) is the generation check of I1-I3.
 */
#ifndef LAZYMM_INVARIANTS_H
#define LAZYMM_INVARIANTS_H

#include <stdbool.h>

#include "defs.h"

#define LM_INVARIANTS(X) \
	X(INV_ROOT, "I1-root-freed", "no CPU's CR3 root is a freed pgd") \
	X(INV_PWC, "I2-walk-freed-table", "no page walk goes through a freed lower page table") \
	X(INV_MM_ALIVE, "I3-mm-freed", "no dereference of a freed (or freed and reused) mm_struct") \
	X(INV_TLB_GEN, "I4-stale-tlb", "no return to user space with a stale tlb_gen") \
	X(INV_CPUMASK, "I5-cpumask", "a CPU using an mm is in its mm_cpumask") \
	X(INV_ONE_LAZY, "I6-lazy-accounting", "lazy tracking covers every lazy CPU, one lazy mm per CPU") \
	X(INV_RESURRECT, "I7-resurrection", "no use of an mm begins after its mm_users reached 0") \
	X(INV_MEMBARRIER, "I9-membarrier", "a full barrier between each store membarrier() reads and user space; membarrier()'s own barriers") \
	X(INV_IRQ, "I10-irq-context", "no waiting IPI with irqs off") \
	X(INV_SELF, "I11-teardown-self", "the teardown covers the CPU running __mmdrop() itself") \
	X(INV_CONTEXT, "I12-final-drop-context", "the final __mmdrop() runs in task context, irqs on; its cleanup needs nothing more (not preemption)") \
	X(INV_IBPB, "I13-ibpb-skipped", "no switch between two different address spaces without an IBPB") \
	X(INV_ACTIVE_MM, "I14-active-mm-freed", "no mm is freed (or switched back to) while current->active_mm names it") \
	X(INV_LEAK, "leak", "every object of the run is freed at its end") \
	X(INV_HANG, "hang", "every bounded wait completes")

enum lm_invariant {
	LM_INVARIANTS(LM_ENUM_ENTRY)
	INV_NR
};
extern const char *const lm_invariant_names[INV_NR];   /* "I1-root-freed" ... */
extern const char *const lm_invariant_desc[INV_NR];    /* one line each */

struct pgtable;

/* check.c - report a violation (safe in an IPI handler: one write(2)) */
void lm_violation(enum lm_invariant inv, int mm_id, uint32_t gen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* mm is live and of generation gen (init_mm always is) */
bool check_mm(struct mm_struct *mm, uint32_t gen, enum lm_invariant inv, const char *site);
/* mm is live, whatever its generation */
bool check_mm_live(struct mm_struct *mm, enum lm_invariant inv, const char *site);
void check_pgtable(struct pgtable *pt, uint32_t gen, enum lm_invariant inv, const char *site);

#endif /* LAZYMM_INVARIANTS_H */
