/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hzbench.h - what the parts of hazptr-bench share: the implementations and
 * workloads, the per-thread worker state, and each library's adapter as an
 * ops table (struct hzb_impl).
 *
 * Layout (bench/hazptr/):
 *   main.c            options and the sweep (samples x threads x workloads x impls)
 *   run.c             the worker threads and one timed sample
 *   report.c          the machine line, the table and the CSV
 *   adapt-*.c         one adapter per library: protect, list10, retire
 *   ds.c, ds.h        the data-structure workloads' engine (prefill, mix,
 *                     unreclaimed counts, consistency check, teardown)
 *   ds-algo.h         the Michael hash map / Harris-Michael list, written once
 *                     over a reclaimer's primitives, instantiated by ds-*.c
 */
#ifndef HZBENCH_H
#define HZBENCH_H

#include <ck_epoch.h>
#include <ck_hp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hazptr.h"

#define BATCH		64		/* operations between stop checks */
#define URCU_BATCH	1024
#define LIST_LEN	10
#define MAX_THREADS	256
#define DS_SLOTS	3		/* hazard slots the list's find() uses */

enum impl {
	I_BARE, I_HZ_MB, I_HZ_FENCE, I_REF, I_CK, I_MEMB, I_QSBR, I_EPOCH, NIMPL
};
enum workload {
	W_PROTECT, W_LIST, W_RETIRE, W_HOLD, W_COHORT,	/* micro-benchmarks */
	W_HASH90, W_HASH50, W_HMLIST90, W_HMLIST50,	/* data structures */
	W_HASH50_STALL, W_HMLIST50_STALL,		/* ... with a stalled reader */
	NWORK
};
#define NMICRO		5			/* W_PROTECT .. W_COHORT */
#define MICRO_MASK	((1u << NMICRO) - 1)
#define WORK_IS_DS(wl)	((wl) >= NMICRO)

extern const char *const hzb_work_name[NWORK];

/* Objects the micro-benchmarks read: one type for the C11 implementations,
 * one for ck and urcu, which load plain pointers with their own primitives. */
struct bobj {
	long val;
	_Atomic long ref;
	struct bobj *_Atomic next;
	struct hazptr_obj hp;
};

struct cobj {			/* 40 bytes, as struct robj in adapt-hazptr.c */
	long val;
	struct cobj *next;
	ck_hp_hazard_t ckh;
};

/* Retired-and-freed counts of one thread (single writer; others read). */
struct hzb_count {
	_Atomic uint64_t retired;
	_Atomic uint64_t freed;
};

struct ds_node;

struct worker {
	void *_Atomic bare[2];		/* bare: this thread's two slots */
	pthread_t tid;
	unsigned int id;
	enum impl impl;			/* what the current job runs */
	struct hazptr_rec *hz[2];	/* membarrier domain, fence domain */
	struct hazptr_rec *hz_cur;	/* the one the current job uses */
	struct hazptr_domain *hz_dom;	/* ... and its domain */
	ck_hp_record_t *ck;		/* micro: 2 slots */
	void *ck_slots[2];
	ck_hp_record_t *ck_ds;		/* data structures: DS_SLOTS slots */
	void *ck_ds_slots[DS_SLOTS];
	ck_epoch_record_t *ep;
	void *batch[URCU_BATCH];
	unsigned int nbatch;
	uint64_t ops, ns;
	uint64_t sink;
	/* data-structure workloads */
	struct hzb_count cnt;
	uint64_t rng;
	uint64_t nretire;		/* ck_epoch: retires since the last poll */
	uint64_t tick;			/* urcu-qsbr: operations (quiescent states) */
	struct ds_node *leak;		/* bare: what it "retired", freed at drain */
	struct ds_node *rc_held[DS_SLOTS];	/* refcount: the nodes it counts */
	struct ds_node *rc_free;	/* refcount: its free list (type-stable) */
	int64_t ins_n, rem_n;		/* successful inserts / removes */
	int64_t ins_sum, rem_sum;	/* ... and the sums of their keys */
} __attribute__((aligned(64)));

struct ds_smr;

/*
 * One library's adapter.  A NULL workload function means the
 * implementation has no row for that workload.  retire_done runs on the
 * worker, untimed, after a retire sample (give back what it holds);
 * retire_drain on the main thread after every worker has finished a retire
 * or cohort sample.  hold and cohort are libhazptr's own (per-CPU holds,
 * cohort retires); bare's hold row is its protect loop, the same limit.
 */
struct hzb_impl {
	const char *name;
	uint64_t (*protect)(struct worker *w);
	uint64_t (*list10)(struct worker *w);
	uint64_t (*retire)(struct worker *w);
	uint64_t (*hold)(struct worker *w);
	uint64_t (*cohort)(struct worker *w);
	void (*retire_done)(struct worker *w);
	void (*retire_drain)(enum impl im, enum workload wl);
	bool qsbr;			/* online only while it runs */
	const struct ds_smr *ds;	/* the data-structure workloads */
};

extern const struct hzb_impl hzb_bare, hzb_hz_mb, hzb_hz_fence, hzb_refcount,
	hzb_ck, hzb_memb, hzb_qsbr, hzb_epoch;
extern const struct hzb_impl *const hzb_impls[NIMPL];

/* Shared state the adapters read (built by hzb_setup_objects()). */
extern struct hazptr_domain *hz_dom[2];
extern ck_hp_t ck_hp, ck_hp_ds;
extern ck_epoch_t ck_ep;
extern struct bobj *_Atomic g_obj, *_Atomic g_head;	/* adapt-hazptr.c */
extern _Atomic int g_stop;

/* Run BODY in batches until the stop flag; leaves the count in `ops`. */
#define LOOP(...)							\
	uint64_t ops = 0;						\
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {	\
		for (int k_ = 0; k_ < BATCH; k_++) {			\
			__VA_ARGS__;					\
		}							\
		ops += BATCH;						\
	}

void *hzb_xmalloc(size_t n);
bool hzb_applies(enum impl im, enum workload wl);

/* adapters' objects */
void hzb_hazptr_setup(void);
void hzb_hazptr_free(void);
void hzb_ref_setup(void);
void hzb_ref_free(void);
void hzb_ck_setup(void);
void hzb_ck_free(void);
void hzb_ck_ds_setup(void);
void hzb_urcu_setup(void);
void hzb_urcu_free(void);
void hzb_urcu_thread_init(void);
void hzb_urcu_thread_fini(void);
void hzb_urcu_online(bool on);
struct cobj *hzb_cobj_list(void);
void hzb_cobj_list_free(struct cobj *c);

/* run.c */
struct hzb_sample {
	double ns_per_op;	/* mean over the workers */
	double mops;		/* data structures: total Mops/s */
	double retired;		/* data structures: objects retired */
	double peak, end;	/* data structures: unreclaimed objects */
};
int hzb_threads_start(unsigned int n);
void hzb_threads_stop(void);
void hzb_measure(enum impl im, enum workload wl, unsigned int threads,
		 uint64_t ns, uint64_t nops, struct hzb_sample *out);
uint64_t hzb_sink(void);
/* The job mechanism, for ds.c: start a job, count finished workers. */
void hzb_dispatch(enum impl im, enum workload wl, unsigned int threads,
		  bool stall, uint64_t nops);
unsigned int hzb_done(void);
struct worker *hzb_workers(unsigned int *n);

/* report.c */
#include <stdio.h>
void hzb_machine_line(FILE *f, const char *prefix);

#endif /* HZBENCH_H */
