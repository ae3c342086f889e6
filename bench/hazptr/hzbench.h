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
 */
#ifndef HZBENCH_H
#define HZBENCH_H

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

enum impl {
	I_BARE, I_HZ_MB, I_HZ_FENCE, I_REF, I_CK, I_MEMB, I_QSBR, NIMPL
};
enum workload {
	W_PROTECT, W_LIST, W_RETIRE, NWORK
};

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

struct worker {
	void *_Atomic bare[2];		/* bare: this thread's two slots */
	pthread_t tid;
	unsigned int id;
	struct hazptr_rec *hz[2];	/* membarrier domain, fence domain */
	ck_hp_record_t *ck;		/* micro: 2 slots */
	void *ck_slots[2];
	void *batch[URCU_BATCH];
	unsigned int nbatch;
	uint64_t ops, ns;
	uint64_t sink;
} __attribute__((aligned(64)));

/*
 * One library's adapter.  A NULL workload function means the
 * implementation has no row for that workload.  retire_done runs on the
 * worker, untimed, after a retire sample (give back what it holds);
 * retire_drain on the main thread after every worker has finished one.
 */
struct hzb_impl {
	const char *name;
	uint64_t (*protect)(struct worker *w);
	uint64_t (*list10)(struct worker *w);
	uint64_t (*retire)(struct worker *w);
	void (*retire_done)(struct worker *w);
	void (*retire_drain)(enum impl im);
	bool qsbr;			/* online only while it runs */
};

extern const struct hzb_impl hzb_bare, hzb_hz_mb, hzb_hz_fence, hzb_refcount,
	hzb_ck, hzb_memb, hzb_qsbr;
extern const struct hzb_impl *const hzb_impls[NIMPL];

/* Shared state the adapters read (built by hzb_setup_objects()). */
extern struct hazptr_domain *hz_dom[2];
extern ck_hp_t ck_hp;
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
};
int hzb_threads_start(unsigned int n);
void hzb_threads_stop(void);
void hzb_measure(enum impl im, enum workload wl, unsigned int threads,
		 uint64_t ns, struct hzb_sample *out);
uint64_t hzb_sink(void);

/* report.c */
#include <stdio.h>
void hzb_machine_line(FILE *f, const char *prefix);

#endif /* HZBENCH_H */
