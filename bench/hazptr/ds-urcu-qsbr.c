/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-urcu-qsbr.c - the data-structure workloads over liburcu's qsbr flavor:
 * as ds-urcu-memb.c (call_rcu()), with a quiescent state reported every
 * QSBR_PERIOD operations, outside the operation.  A stalled reader is a
 * thread that stays online without reporting one.
 */
#define _LGPL_SOURCE 1
#include <urcu/urcu-qsbr.h>

#include <stdlib.h>
#include <time.h>

#include "ds.h"

#define QSBR_PERIOD 64

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct ds_node *)0)->u.raw),
	       "struct rcu_head must fit in a node's reclaimer header");

static void urcu_free_node(struct rcu_head *h)
{
	ds_node_free((struct ds_node *)((char *)h - offsetof(struct ds_node, u.raw)));
}

static inline void qsbr_quiesce(struct worker *w)
{
	if (++w->tick % QSBR_PERIOD == 0)
		urcu_qsbr_quiescent_state();
}

#define DS_PFX(x)		qsbr_##x
#define SMR_BEGIN(w)		urcu_qsbr_read_lock()
#define SMR_END(w)		urcu_qsbr_read_unlock()
#define SMR_PROTECT(w, i, src)	atomic_load_explicit((src), memory_order_acquire)
#define SMR_CLEAR(w)		((void)0)
#define SMR_RETIRE(w, n)	(ds_count_retired(w),		\
	urcu_qsbr_call_rcu((struct rcu_head *)(void *)(n)->u.raw, urcu_free_node))
#define SMR_QUIESCE(w)		qsbr_quiesce(w)
#include "ds-algo.h"

/* Main thread (registered, offline): wait for every callback. */
static void qsbr_drain(struct worker *ws, unsigned int n)
{
	(void)ws, (void)n;
	urcu_qsbr_barrier();
}

static void qsbr_prepare(struct worker *w, enum impl im)
{
	(void)w, (void)im;
}

const struct ds_smr ds_qsbr = {
	.run = qsbr_run, .stall = qsbr_stall, .drain = qsbr_drain,
	.prepare = qsbr_prepare,
};
