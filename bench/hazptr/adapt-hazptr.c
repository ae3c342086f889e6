/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * adapt-hazptr.c - libhazptr (membarrier and seq_cst-fence domains) and
 * `bare`, the limit of its read side: the asymmetric-fence slot with no
 * library around it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "ds.h"

struct hazptr_domain *hz_dom[2];		/* membarrier, fence */
struct bobj *_Atomic g_obj;			/* protect: bare, hazptr, refcount */
struct bobj *_Atomic g_head;			/* list10: bare, hazptr, refcount */
static struct hazptr_cohort *g_cohort[2];	/* cohort: one per domain */

/*
 * The limit: what hazptr_protect() must do at the least in membarrier mode.
 * Publish p (a plain store to a slot only this thread writes), a compiler
 * barrier (the scanner's membarrier() supplies the rest), re-load the source
 * and retry until it still holds p.  No record, no mode, no library.
 */
static inline void *bare_protect(void *_Atomic *slot, void *_Atomic const *src)
{
	void *p = atomic_load_explicit(src, memory_order_relaxed), *q;

	for (;;) {
		atomic_store_explicit(slot, p, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		q = atomic_load_explicit(src, memory_order_acquire);
		if (q == p)
			return q;
		p = q;
	}
}

static uint64_t protect_bare(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct bobj *p = bare_protect(&w->bare[0], (void *_Atomic const *)&g_obj);
		sink += p->val;
		atomic_store_explicit(&w->bare[0], NULL, memory_order_release);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t protect_hazptr(struct worker *w, struct hazptr_rec *r)
{
	long sink = 0;

	LOOP(
		struct bobj *p = HAZPTR_PROTECT(r, 0, &g_obj);
		sink += p->val;
		hazptr_clear(r, 0);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_bare(struct worker *w)
{
	long sink = 0;

	LOOP(
		unsigned int s = 0;
		struct bobj *p = bare_protect(&w->bare[0], (void *_Atomic const *)&g_head);
		while (p) {
			sink += p->val;
			s ^= 1;
			p = bare_protect(&w->bare[s], (void *_Atomic const *)&p->next);
		}
		atomic_store_explicit(&w->bare[0], NULL, memory_order_release);
		atomic_store_explicit(&w->bare[1], NULL, memory_order_release);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_hazptr(struct worker *w, struct hazptr_rec *r)
{
	long sink = 0;

	LOOP(
		unsigned int s = 0;
		struct bobj *p = HAZPTR_PROTECT(r, 0, &g_head);
		while (p) {
			sink += p->val;
			s ^= 1;
			p = HAZPTR_PROTECT(r, s, &p->next);
		}
		hazptr_clear(r, 0);
		hazptr_clear(r, 1);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

/*
 * Retired objects carry the same payload (one long) plus each library's
 * own header: struct hazptr_obj (32 bytes) here, ck_hp_hazard_t and a
 * next pointer (32) in struct cobj, which urcu uses too: 40 bytes each, one
 * malloc size class.  (struct bobj, with the list and refcount fields, was
 * 56: a larger size class and working set, which cost hazptr about 8 ns
 * per object against ck_hp.)
 */
struct robj {
	long val;
	struct hazptr_obj hp;
};

static void robj_reclaim(struct hazptr_obj *h)
{
	free((char *)h - offsetof(struct robj, hp));
}

static uint64_t retire_hazptr(struct hazptr_domain *d)
{
	LOOP(
		struct robj *o = hzb_xmalloc(sizeof(*o));
		o->val = k_;
		hazptr_retire(d, &o->hp, o, robj_reclaim);
	)
	return ops;
}

/* A hold: the current CPU's slot (rseq) or the record's fallback slot. */
static uint64_t hold_hazptr(struct worker *w, struct hazptr_domain *d)
{
	struct hazptr_hold h;
	long sink = 0;

	LOOP(
		struct bobj *p = hazptr_hold_protect(d, &h, (void *_Atomic const *)&g_obj);
		sink += p->val;
		hazptr_hold_clear(&h);
	)
	w->sink += (uint64_t)sink;
	return ops;
}

/* Cohort retires: every thread into the domain's one cohort. */
static uint64_t cohort_hazptr(struct hazptr_cohort *c)
{
	LOOP(
		struct robj *o = hzb_xmalloc(sizeof(*o));
		o->val = k_;
		hazptr_cohort_retire(c, &o->hp, o, robj_reclaim);
	)
	return ops;
}

static uint64_t protect_mb(struct worker *w) { return protect_hazptr(w, w->hz[0]); }
static uint64_t protect_fence(struct worker *w) { return protect_hazptr(w, w->hz[1]); }
static uint64_t list_mb(struct worker *w) { return list_hazptr(w, w->hz[0]); }
static uint64_t list_fence(struct worker *w) { return list_hazptr(w, w->hz[1]); }
static uint64_t retire_mb(struct worker *w) { (void)w; return retire_hazptr(hz_dom[0]); }
static uint64_t retire_fence(struct worker *w) { (void)w; return retire_hazptr(hz_dom[1]); }
static uint64_t hold_mb(struct worker *w) { return hold_hazptr(w, hz_dom[0]); }
static uint64_t hold_fence(struct worker *w) { return hold_hazptr(w, hz_dom[1]); }
static uint64_t cohort_mb(struct worker *w) { (void)w; return cohort_hazptr(g_cohort[0]); }
static uint64_t cohort_fence(struct worker *w) { (void)w; return cohort_hazptr(g_cohort[1]); }

/* After every worker's retire or cohort sample: reclaim what the domain,
 * or its cohort, still holds. */
static void drain_hazptr(enum impl im, enum workload wl)
{
	int k = im == I_HZ_FENCE;

	if (wl == W_COHORT)
		hazptr_cohort_cleanup(g_cohort[k]);
	else
		hazptr_cleanup(hz_dom[k]);
}

const struct hzb_impl hzb_bare = {
	.name = "bare", .protect = protect_bare, .list10 = list_bare,
	.hold = protect_bare, .ds = &ds_none,
};

const struct hzb_impl hzb_hz_mb = {
	.name = "hazptr-membarrier", .protect = protect_mb, .list10 = list_mb,
	.retire = retire_mb, .hold = hold_mb, .cohort = cohort_mb,
	.retire_drain = drain_hazptr, .ds = &ds_hazptr,
};

const struct hzb_impl hzb_hz_fence = {
	.name = "hazptr-fence", .protect = protect_fence, .list10 = list_fence,
	.retire = retire_fence, .hold = hold_fence, .cohort = cohort_fence,
	.retire_drain = drain_hazptr, .ds = &ds_hazptr,
};

void hzb_hazptr_setup(void)
{
	struct bobj *b = NULL;

	for (int i = LIST_LEN - 1; i >= 0; i--) {
		struct bobj *nb = hzb_xmalloc(sizeof(*nb));

		nb->val = i;
		atomic_init(&nb->ref, 1);
		atomic_init(&nb->next, b);
		b = nb;
	}
	atomic_store(&g_head, b);
	b = hzb_xmalloc(sizeof(*b));
	b->val = 42;
	atomic_init(&b->ref, 1);
	atomic_init(&b->next, NULL);
	atomic_store(&g_obj, b);
	for (int k = 0; k < 2; k++) {
		g_cohort[k] = hazptr_cohort_create(hz_dom[k]);
		if (!g_cohort[k]) {
			fprintf(stderr, "hazptr-bench: hazptr_cohort_create failed\n");
			exit(1);
		}
	}
}

void hzb_hazptr_free(void)
{
	struct bobj *b = atomic_load(&g_head), *nb;

	for (int k = 0; k < 2; k++)
		if (hazptr_cohort_destroy(g_cohort[k]) != 0)
			fprintf(stderr, "hazptr-bench: hazptr_cohort_destroy failed\n");

	for (; b; b = nb) {
		nb = atomic_load(&b->next);
		free(b);
	}
	free(atomic_load(&g_obj));
}
