/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-hazptr.c - the data-structure workloads over libhazptr (three slots of
 * the thread's record, the job's domain: membarrier or seq_cst fence) and
 * over no reclamation at all (`bare`: unlinked nodes are kept on a
 * per-thread list until the run ends -- the throughput limit, and memory
 * that only grows).
 */
#include <stdlib.h>
#include <time.h>

#include "ds.h"

/* ---- libhazptr ---- */

static void hz_reclaim(struct hazptr_obj *h)
{
	ds_node_free((struct ds_node *)((char *)h - offsetof(struct ds_node, u.hp)));
}

#define DS_PFX(x)		hz_##x
#define SMR_BEGIN(w)		((void)0)
#define SMR_END(w)		((void)0)
#define SMR_PROTECT(w, i, src)	hazptr_protect((w)->hz_cur, (i), (void *_Atomic const *)(src))
#define SMR_CLEAR(w)		do {				\
		hazptr_clear((w)->hz_cur, 0);			\
		hazptr_clear((w)->hz_cur, 1);			\
		hazptr_clear((w)->hz_cur, 2);			\
	} while (0)
#define SMR_RETIRE(w, n)	(ds_count_retired(w),		\
	hazptr_retire((w)->hz_dom, &(n)->u.hp, (n), hz_reclaim))
#define SMR_QUIESCE(w)		((void)0)
#include "ds-algo.h"
#undef DS_PFX
#undef SMR_BEGIN
#undef SMR_END
#undef SMR_PROTECT
#undef SMR_CLEAR
#undef SMR_RETIRE
#undef SMR_QUIESCE

static void hz_prepare(struct worker *w, enum impl im)
{
	int k = im == I_HZ_FENCE;

	w->hz_cur = w->hz[k];
	w->hz_dom = hz_dom[k];
}

static void hz_drain(struct worker *ws, unsigned int n)
{
	(void)ws, (void)n;
	hazptr_cleanup(hz_dom[0]);
	hazptr_cleanup(hz_dom[1]);
}

const struct ds_smr ds_hazptr = {
	.run = hz_run, .stall = hz_stall, .drain = hz_drain, .prepare = hz_prepare,
};

/* ---- bare: no reclamation until the end ---- */

static inline void none_retire(struct worker *w, struct ds_node *n)
{
	ds_count_retired(w);
	n->u.raw[0] = w->leak;
	w->leak = n;
}

#define DS_PFX(x)		none_##x
#define SMR_BEGIN(w)		((void)0)
#define SMR_END(w)		((void)0)
#define SMR_PROTECT(w, i, src)	atomic_load_explicit((src), memory_order_acquire)
#define SMR_CLEAR(w)		((void)0)
#define SMR_RETIRE(w, n)	none_retire((w), (n))
#define SMR_QUIESCE(w)		((void)0)
#include "ds-algo.h"

static void none_drain(struct worker *ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct ds_node *p = ws[i].leak, *q;

		for (; p; p = q) {
			q = p->u.raw[0];
			ds_node_free(p);
		}
		ws[i].leak = NULL;
	}
}

static void none_prepare(struct worker *w, enum impl im)
{
	(void)w, (void)im;
}

const struct ds_smr ds_none = {
	.run = none_run, .stall = none_stall, .drain = none_drain,
	.prepare = none_prepare,
};
