/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * adapt-urcu.c - liburcu's memb and qsbr flavors, read side inlined
 * (_LGPL_SOURCE).  Retire: per-thread batches of URCU_BATCH objects freed
 * after one synchronize_rcu() -- the defer_rcu() scheme without its helper
 * thread.  urcu-qsbr reports a quiescent state every BATCH operations.
 */
#define _LGPL_SOURCE 1
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>

#include <stdlib.h>

#include "ds.h"

#ifdef LAZYMM_TSAN
/*
 * liburcu 0.13's inline fast paths (the urcu/static headers) use volatile
 * accesses and their own barriers, which ThreadSanitizer does not model
 * (liburcu 0.15 adds annotations); it reports races inside them, e.g. on
 * urcu_qsbr_gp.futex in urcu_qsbr_wake_up_gp().  Suppress reports whose
 * stack is in those headers.
 *
 * The data-structure workloads add the same blindness one level up: the
 * grace periods of liburcu (call_rcu thread, in the uninstrumented shared
 * library) and of ck_epoch and ck_hp (ck_pr's inline assembly, libck's
 * uninstrumented scans) order a reader's last access before the free, but
 * ThreadSanitizer sees none of it and reports every such free as a race.
 * So reports with a frame of those instantiations (memb_*, qsbr_*, ckep_*,
 * ckhp_*: ds-urcu-*.c, ds-ck.c) or inside liburcu/libck are suppressed.
 * libhazptr's and bare's rows (hz_*, none_*, ds.c) stay checked; ASAN
 * checks every row for use after free.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:urcu/static/\n"
	       "race:memb_find\nrace:memb_insert\nrace:memb_remove\nrace:memb_stall\n"
	       "race:qsbr_find\nrace:qsbr_insert\nrace:qsbr_remove\nrace:qsbr_stall\n"
	       "race:ckep_\nrace:ckhp_\nrace:urcu_free_node\n"
	       "race:liburcu-memb.so\nrace:liburcu-qsbr.so\nrace:libck.so\n";
}
#endif

static struct cobj *u_obj, *u_head;

static uint64_t protect_memb(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct cobj *p;
		urcu_memb_read_lock();
		p = rcu_dereference(u_obj);
		sink += p->val;
		urcu_memb_read_unlock();
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t protect_qsbr(struct worker *w)
{
	long sink = 0;

	LOOP(
		struct cobj *p;
		urcu_qsbr_read_lock();
		p = rcu_dereference(u_obj);
		sink += p->val;
		urcu_qsbr_read_unlock();
		if (k_ == BATCH - 1)
			urcu_qsbr_quiescent_state();
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_memb(struct worker *w)
{
	long sink = 0;

	LOOP(
		urcu_memb_read_lock();
		for (struct cobj *p = rcu_dereference(u_head); p; p = rcu_dereference(p->next))
			sink += p->val;
		urcu_memb_read_unlock();
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static uint64_t list_qsbr(struct worker *w)
{
	long sink = 0;

	LOOP(
		urcu_qsbr_read_lock();
		for (struct cobj *p = rcu_dereference(u_head); p; p = rcu_dereference(p->next))
			sink += p->val;
		urcu_qsbr_read_unlock();
		if (k_ == BATCH - 1)
			urcu_qsbr_quiescent_state();
	)
	w->sink += (uint64_t)sink;
	return ops;
}

static void urcu_flush(struct worker *w, bool qsbr)
{
	if (!w->nbatch)
		return;
	if (qsbr)
		urcu_qsbr_synchronize_rcu();
	else
		urcu_memb_synchronize_rcu();
	for (unsigned int i = 0; i < w->nbatch; i++)
		free(w->batch[i]);
	w->nbatch = 0;
}

static uint64_t retire_urcu(struct worker *w, bool qsbr)
{
	LOOP(
		struct cobj *o = hzb_xmalloc(sizeof(*o));
		o->val = k_;
		w->batch[w->nbatch++] = o;
		if (w->nbatch == URCU_BATCH)
			urcu_flush(w, qsbr);
		if (qsbr && k_ == BATCH - 1)
			urcu_qsbr_quiescent_state();
	)
	return ops;
}

static uint64_t retire_memb(struct worker *w) { return retire_urcu(w, false); }
static uint64_t retire_qsbr(struct worker *w) { return retire_urcu(w, true); }
static void done_memb(struct worker *w) { urcu_flush(w, false); }
static void done_qsbr(struct worker *w) { urcu_flush(w, true); }

const struct hzb_impl hzb_memb = {
	.name = "urcu-memb", .protect = protect_memb, .list10 = list_memb,
	.retire = retire_memb, .retire_done = done_memb, .ds = &ds_memb,
};

const struct hzb_impl hzb_qsbr = {
	.name = "urcu-qsbr", .protect = protect_qsbr, .list10 = list_qsbr,
	.retire = retire_qsbr, .retire_done = done_qsbr, .qsbr = true,
	.ds = &ds_qsbr,
};

/* Register the calling worker with both flavors; qsbr starts offline. */
void hzb_urcu_thread_init(void)
{
	urcu_memb_register_thread();
	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();	/* online only while running qsbr */
}

void hzb_urcu_thread_fini(void)
{
	urcu_qsbr_unregister_thread();
	urcu_memb_unregister_thread();
}

void hzb_urcu_online(bool on)
{
	if (on)
		urcu_qsbr_thread_online();
	else
		urcu_qsbr_thread_offline();
}

void hzb_urcu_setup(void)
{
	struct cobj *c = hzb_xmalloc(sizeof(*c));

	rcu_assign_pointer(u_head, hzb_cobj_list());
	c->val = 42;
	c->next = NULL;
	rcu_assign_pointer(u_obj, c);
}

void hzb_urcu_free(void)
{
	hzb_cobj_list_free(u_head);
	free(u_obj);
}
