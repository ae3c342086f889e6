/*
 * registry.c - the list of lazy-mm tracking schemes, and what they share.
 */
#include <string.h>

#include "lazy.h"

extern const struct lazy_tlb_ops refcount_ops, shootdown_ops, hazptr_ops, tlbstate_ops, none_ops,
	andy2020_ops, andy2022_ops;

const struct lazy_tlb_ops *const lazy_schemes[] = {
	&refcount_ops,
	&shootdown_ops,
	&hazptr_ops,
	&tlbstate_ops,
	&andy2020_ops,
	&andy2022_ops,
	&none_ops,
	NULL,
};

const struct lazy_tlb_ops *lazy_find(const char *name)
{
	for (int i = 0; lazy_schemes[i]; i++)
		if (strcmp(lazy_schemes[i]->name, name) == 0)
			return lazy_schemes[i];
	return NULL;
}

const struct lazy_mutant *lazy_find_mutant(const struct lazy_tlb_ops *ops, const char *name)
{
	for (const struct lazy_mutant *m = ops->mutants; m && m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

bool lazy_mutant(const char *name)
{
	return unlikely(lm.cfg.mutant != NULL) && strcmp(lm.cfg.mutant, name) == 0;
}

/*
 * Models do_shoot_lazy_tlb() (kernel/fork.c), run on a CPU by IPI: if the
 * task running here borrows mm as its lazy active_mm, move it to init_mm.
 * It compares pointers and never dereferences mm.
 */
void do_shoot_lazy_tlb(void *arg)
{
	struct mm_struct *mm = arg;
	struct task_struct *cur = current;

	if (cur->active_mm != mm)
		return;
	if (cur->mm)
		lm_violation(INV_ONE_LAZY, mm_id(mm), 0, "cpu%d: shootdown hit a task that uses mm%d for real",
			     lm_this->cpu, mm_id(mm));
	cur->active_mm = &init_mm;
	cur->active_mm_gen = 0;
	lm_event(EV_SHOOT, cur, mm);
	switch_mm(mm, &init_mm, cur);
}
