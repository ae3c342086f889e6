/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * adapt-refcount.c - an atomic reference count: increment to read, decrement
 * when done, free on the last decrement.  It reads the C11 objects that
 * adapt-hazptr.c builds.
 */
#include <stdlib.h>

#include "ds.h"

static uint64_t protect_ref(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct bobj *p = atomic_load_explicit(&g_obj, memory_order_acquire);
		atomic_fetch_add_explicit(&p->ref, 1, memory_order_relaxed);
		sink += p->val;
		atomic_fetch_sub_explicit(&p->ref, 1, memory_order_release);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_ref(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct bobj *p = atomic_load_explicit(&g_head, memory_order_acquire), *n;
		atomic_fetch_add_explicit(&p->ref, 1, memory_order_relaxed);
		while (p) {
			sink += p->val;
			n = atomic_load_explicit(&p->next, memory_order_acquire);
			if (n)
				atomic_fetch_add_explicit(&n->ref, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&p->ref, 1, memory_order_release);
			p = n;
		}
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t retire_ref(struct worker *w)
{
	(void)w;
	LOOP(
		struct bobj *o = hzb_xmalloc(sizeof(*o));
		o->val = k_;
		atomic_init(&o->ref, 1);
		if (atomic_fetch_sub_explicit(&o->ref, 1, memory_order_acq_rel) == 1)
			free(o);
	)
	return ops;
}

const struct hzb_impl hzb_refcount = {
	.name = "refcount", .protect = protect_ref, .list10 = list_ref,
	.retire = retire_ref, .ds = &ds_refcount,
};
