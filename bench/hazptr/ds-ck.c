/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-ck.c - the data-structure workloads over ConcurrencyKit (Debian's
 * libck 0.7.1): ck_hp with DS_SLOTS hazard slots per thread (publish with
 * ck_hp_set_fence, re-validate; ck_hp_free with threshold
 * HAZPTR_SCAN_BASE, as in the retire micro-benchmark), and ck_epoch (one
 * section per operation; ck_epoch_call, and ck_epoch_poll every
 * EPOCH_POLL retires, after the operation, outside the section).
 */
#include <ck_pr.h>
#include <stdlib.h>
#include <time.h>

#include "ds.h"

#define EPOCH_POLL 128

ck_hp_t ck_hp_ds;
ck_epoch_t ck_ep;

/* ---- ck_hp ---- */

static void ckhp_destroy(void *p)
{
	ds_node_free(p);
}

/* The ck_hp_stack.h idiom over a C11 source: load, set_fence, re-load. */
static inline void *ckhp_protect(ck_hp_record_t *r, unsigned int i, void *_Atomic *src)
{
	void *p, *q = atomic_load_explicit(src, memory_order_acquire);

	do {
		p = q;
		ck_hp_set_fence(r, i, p);
		q = atomic_load_explicit(src, memory_order_acquire);
	} while (p != q);
	return p;
}

#define DS_PFX(x)		ckhp_##x
#define SMR_BEGIN(w)		((void)0)
#define SMR_END(w)		((void)0)
#define SMR_PROTECT(w, i, src)	ckhp_protect((w)->ck_ds, (i), (src))
#define SMR_CLEAR(w)		do {				\
		ck_hp_set((w)->ck_ds, 0, NULL);			\
		ck_hp_set((w)->ck_ds, 1, NULL);			\
		ck_hp_set((w)->ck_ds, 2, NULL);			\
	} while (0)
#define SMR_RETIRE(w, n)	(ds_count_retired(w),		\
	ck_hp_free((w)->ck_ds, &(n)->u.ckh, (n), (n)))
#define SMR_QUIESCE(w)		((void)0)
#include "ds-algo.h"
#undef DS_PFX
#undef SMR_BEGIN
#undef SMR_END
#undef SMR_PROTECT
#undef SMR_CLEAR
#undef SMR_RETIRE
#undef SMR_QUIESCE

/* Every hazard is clear now: ck_hp_purge() reclaims all of a record. */
static void ckhp_drain(struct worker *ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ck_hp_purge(ws[i].ck_ds);
}

static void nothing_to_prepare(struct worker *w, enum impl im)
{
	(void)w, (void)im;
}

const struct ds_smr ds_ckhp = {
	.run = ckhp_run, .stall = ckhp_stall, .drain = ckhp_drain,
	.prepare = nothing_to_prepare,
};

/* ---- ck_epoch ---- */

static void ckep_destroy(ck_epoch_entry_t *e)
{
	ds_node_free((struct ds_node *)((char *)e - offsetof(struct ds_node, u.ep)));
}

static inline void ckep_quiesce(struct worker *w)
{
	if (w->nretire >= EPOCH_POLL) {
		w->nretire = 0;
		(void)ck_epoch_poll(w->ep);
	}
}

#define DS_PFX(x)		ckep_##x
#define SMR_BEGIN(w)		ck_epoch_begin((w)->ep, NULL)
#define SMR_END(w)		((void)ck_epoch_end((w)->ep, NULL))
#define SMR_PROTECT(w, i, src)	atomic_load_explicit((src), memory_order_acquire)
#define SMR_CLEAR(w)		((void)0)
#define SMR_RETIRE(w, n)	(ds_count_retired(w), (w)->nretire++,	\
	ck_epoch_call((w)->ep, &(n)->u.ep, ckep_destroy))
#define SMR_QUIESCE(w)		ckep_quiesce(w)
#include "ds-algo.h"

/* No reader is in a section now: one grace period, then dispatch all. */
static void ckep_drain(struct worker *ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ck_epoch_barrier(ws[i].ep);
}

const struct ds_smr ds_ckepoch = {
	.run = ckep_run, .stall = ckep_stall, .drain = ckep_drain,
	.prepare = nothing_to_prepare,
};

/* ck_epoch has no micro-benchmark rows: the data structures only. */
const struct hzb_impl hzb_epoch = { .name = "ck_epoch", .ds = &ds_ckepoch };

void hzb_ck_ds_setup(void)
{
	ck_hp_init(&ck_hp_ds, DS_SLOTS, HAZPTR_SCAN_BASE, ckhp_destroy);
	ck_epoch_init(&ck_ep);
}
