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
 *   I10 INV_IRQ        no waiting IPI with irqs off
 *       INV_LEAK       every object the run allocated is freed at its end
 *       INV_HANG       every bounded wait completed
 *
 * I8, I9, I11 and I12 are requirements the documentation names without a
 * checker of their own: I8 (ABA) is the generation check of I1-I3; I9
 * (membarrier's full barriers), I11 (the teardown covers the exiting CPU
 * itself) and I12 (the final __mmdrop()'s calling context) are argued in
 * docs/schemes.md and docs/kernel.md, not checked yet.
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
	X(INV_IRQ, "I10-irq-context", "no waiting IPI with irqs off") \
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
