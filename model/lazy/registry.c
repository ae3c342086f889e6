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

const char *lazy_role_scheme(enum lazy_role role)
{
	for (int i = 0; lazy_schemes[i]; i++)
		if (lazy_schemes[i]->role == role)
			return lazy_schemes[i]->name;
	return "?";
}

const struct lazy_mutant *lazy_find_mutant(const struct lazy_tlb_ops *ops, const char *name)
{
	for (const struct lazy_mutant *m = ops->mutants; m && m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

void lazy_nop(struct mm_struct *mm)
{
	(void)mm;
}

void lazy_nop_offline(int dead_cpu, struct mm_struct *mm)
{
	(void)dead_cpu;
	(void)mm;
}

void lazy_shoot_nothing(const struct lazy_shoot *a)
{
	if (lm_this->cpu != a->initiator)
		count_event(CNT_IPI_WASTED);
}

void lazy_shoot_real_user(const struct lazy_shoot *a)
{
	lm_violation(INV_RESURRECT, mm_id(a->mm), 0,
		     "cpu%d: the teardown of mm%d found this CPU using it for real",
		     lm_this->cpu, mm_id(a->mm));
}

/*
 * Models do_shoot_lazy_tlb() (kernel/fork.c), run on a CPU by IPI: if the
 * task running here borrows mm as its lazy active_mm, move it to init_mm.
 * It compares pointers and never dereferences mm.
 */
bool lazy_shoot_lazy_tlb(const struct lazy_shoot *a)
{
	struct mm_struct *mm = a->mm;
	struct task_struct *cur = current;

	if (cur->active_mm != mm) {
		lazy_shoot_nothing(a);
		return false;
	}
	if (cur->mm)
		lazy_shoot_real_user(a);
	cur->active_mm = &init_mm;
	cur->active_mm_gen = 0;
	lm_event(EV_SHOOT, cur, mm);
	switch_mm(mm, &init_mm, cur);
	return true;
}

void do_check_lazy_tlb(void *info)
{
	const struct lazy_shoot *a = info;

	if (current->active_mm == a->mm)
		lm_violation(INV_ONE_LAZY, mm_id(a->mm), 0,
			     "cpu%d: still borrows mm%d after the shootdown",
			     lm_this->cpu, mm_id(a->mm));
}
