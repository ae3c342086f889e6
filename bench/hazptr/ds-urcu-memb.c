/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-urcu-memb.c - the data-structure workloads over liburcu's memb flavor:
 * one read-side section per operation, unlinked nodes handed to call_rcu()
 * (the library's own thread runs the grace periods and the frees; a
 * per-thread synchronize_rcu() batch, as in the retire micro-benchmark,
 * would block the updater forever behind a stalled reader).  The qsbr
 * flavor is ds-urcu-qsbr.c (call-rcu.h declares one flavor per file).
 */
#define _LGPL_SOURCE 1
#include <urcu/urcu-memb.h>

#include <stdlib.h>
#include <time.h>

#include "ds.h"

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct ds_node *)0)->u.raw),
	       "struct rcu_head must fit in a node's reclaimer header");

static void urcu_free_node(struct rcu_head *h)
{
	ds_node_free((struct ds_node *)((char *)h - offsetof(struct ds_node, u.raw)));
}

#define DS_PFX(x)		memb_##x
#define SMR_BEGIN(w)		urcu_memb_read_lock()
#define SMR_END(w)		urcu_memb_read_unlock()
#define SMR_PROTECT(w, i, src)	atomic_load_explicit((src), memory_order_acquire)
#define SMR_CLEAR(w)		((void)0)
#define SMR_RETIRE(w, n)	(ds_count_retired(w),		\
	urcu_memb_call_rcu((struct rcu_head *)(void *)(n)->u.raw, urcu_free_node))
#define SMR_QUIESCE(w)		((void)0)
#include "ds-algo.h"

/* Main thread (registered, outside any section): wait for every callback. */
static void memb_drain(struct worker *ws, unsigned int n)
{
	(void)ws, (void)n;
	urcu_memb_barrier();
}

static void memb_prepare(struct worker *w, enum impl im)
{
	(void)w, (void)im;
}

const struct ds_smr ds_memb = {
	.run = memb_run, .stall = memb_stall, .drain = memb_drain,
	.prepare = memb_prepare,
};
