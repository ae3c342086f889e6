/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * adapt-ck.c - ConcurrencyKit's ck_hp (Debian's libck): protect with the
 * ck_hp_stack.h idiom, retire with ck_hp_free().
 */
#include <stdlib.h>

#include <ck_pr.h>

#include "ds.h"

ck_hp_t ck_hp;
static void *ck_obj, *ck_head;

/* The ck_hp_stack.h idiom: load, set_fence (xchg on x86), re-load. */
static inline void *ck_protect(ck_hp_record_t *r, unsigned int i, void **src)
{
	void *p, *q = ck_pr_load_ptr(src);

	do {
		p = q;
		ck_hp_set_fence(r, i, p);
		q = ck_pr_load_ptr(src);
	} while (p != q);
	return p;
}

static uint64_t protect_ck(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct cobj *p = ck_protect(w->ck, 0, &ck_obj);
		sink += p->val;
		ck_hp_set(w->ck, 0, NULL);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_ck(struct worker *w)
{
	long sink = 0;

	LOOP(
		unsigned int s = 0;
		struct cobj *p = ck_protect(w->ck, 0, &ck_head);
		while (p) {
			sink += p->val;
			s ^= 1;
			p = ck_protect(w->ck, s, (void **)&p->next);
		}
		ck_hp_set(w->ck, 0, NULL);
		ck_hp_set(w->ck, 1, NULL);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t retire_ck(struct worker *w)
{
	LOOP(
		struct cobj *o = hzb_xmalloc(sizeof(*o));
		o->val = k_;
		ck_hp_free(w->ck, &o->ckh, o, o);
	)
	return ops;
}

/* Untimed: reclaim what this thread still holds. */
static void retire_done_ck(struct worker *w)
{
	ck_hp_purge(w->ck);
}

static void cobj_destroy(void *p)
{
	free(p);
}

const struct hzb_impl hzb_ck = {
	.name = "ck_hp", .protect = protect_ck, .list10 = list_ck,
	.retire = retire_ck, .retire_done = retire_done_ck, .ds = &ds_ckhp,
};

void hzb_ck_setup(void)
{
	struct cobj *c = hzb_xmalloc(sizeof(*c));

	ck_hp_init(&ck_hp, 2, HAZPTR_SCAN_BASE, cobj_destroy);
	ck_pr_store_ptr(&ck_head, hzb_cobj_list());
	c->val = 42;
	c->next = NULL;
	ck_pr_store_ptr(&ck_obj, c);
}

void hzb_ck_free(void)
{
	hzb_cobj_list_free(ck_head);
	free(ck_obj);
}
