/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hazptr-bench.c - read-side and retire costs of libhazptr against an atomic
 * reference count, ConcurrencyKit's ck_hp and liburcu's memb and qsbr flavors,
 * with the physical limit of the read side beside them: `bare`, the
 * asymmetric-fence slot with no library around it (store, compiler barrier,
 * re-load, clear).  Every read-side figure is also printed as its ratio to
 * bare in the same run.
 *
 * Every (threads, workload) cell runs all implementations back to back, and
 * the whole sweep is repeated --samples times with the implementation order
 * rotated each time: rounds A B C ..., B C ... A, ...  Each cell reports the
 * median sample.  A sample is: every worker thread (pinned to CPU i % ncpus)
 * runs the loop until told to stop, and its ns/op is its own elapsed time over
 * its own operation count; the sample is the mean over the workers.
 *
 * Workloads (ns per operation, per thread):
 *   protect  protect one shared object, read a field, release it
 *            (bare: relaxed store to a per-thread slot, compiler barrier,
 *            re-load until equal, read, store NULL -- the same loop as
 *            hazptr_protect() with nothing of the library around it;
 *            hazptr: protect + clear; refcount: inc + dec; ck_hp: load,
 *            set_fence, re-load, set NULL; urcu: read_lock, rcu_dereference,
 *            read_unlock; urcu-qsbr also reports a quiescent state every 64
 *            operations, which is included)
 *   list10   hand-over-hand over a shared 10-node list, per traversal
 *            (bare, hazptr, ck_hp: two slots alternating; refcount: inc next, dec
 *            previous; urcu: one read-side section around the traversal)
 *   retire   malloc an object and retire it; ns per object, including its
 *            reclamation (hazptr: hazptr_retire, passes at the threshold;
 *            refcount: drop the last reference, free; ck_hp: ck_hp_free with
 *            threshold HAZPTR_SCAN_BASE; urcu-memb/urcu-qsbr: per-thread
 *            batches of 1024 freed after one synchronize_rcu() -- the
 *            defer_rcu() scheme without its helper thread)
 */
#define _LGPL_SOURCE 1
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>

#include <ck_hp.h>
#include <ck_pr.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hazptr.h"

#ifdef LAZYMM_TSAN
/*
 * liburcu 0.13's inline fast paths (the urcu/static headers) use volatile
 * accesses and their own barriers, which ThreadSanitizer does not model
 * (liburcu 0.15 adds annotations); it reports races inside them, e.g. on
 * urcu_qsbr_gp.futex in urcu_qsbr_wake_up_gp().  Suppress reports whose
 * stack is in those headers; this program's own code stays checked.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:urcu/static/\n";
}
#endif

#define BATCH		64		/* operations between stop checks */
#define URCU_BATCH	1024
#define LIST_LEN	10
#define MAX_THREADS	256

enum impl { I_BARE, I_HZ_MB, I_HZ_FENCE, I_REF, I_CK, I_MEMB, I_QSBR, NIMPL };
enum workload { W_PROTECT, W_LIST, W_RETIRE, NWORK };

static const char *const impl_name[NIMPL] = {
	"bare", "hazptr-membarrier", "hazptr-fence", "refcount", "ck_hp", "urcu-memb",
	"urcu-qsbr",
};
static const char *const work_name[NWORK] = { "protect", "list10", "retire" };

/* Objects: one type for the C11 implementations, one for ck and urcu,
 * which load plain pointers with their own primitives. */
struct bobj {
	long val;
	_Atomic long ref;
	struct bobj *_Atomic next;
	struct hazptr_obj hp;
};

struct cobj {			/* 40 bytes, as struct robj below */
	long val;
	struct cobj *next;
	ck_hp_hazard_t ckh;
};

struct worker {
	void *_Atomic bare[2];		/* bare: this thread's two slots */
	pthread_t tid;
	unsigned int id;
	struct hazptr_rec *hz[2];	/* membarrier domain, fence domain */
	ck_hp_record_t *ck;
	void *ck_slots[2];
	void *batch[URCU_BATCH];
	unsigned int nbatch;
	uint64_t ops, ns;
	uint64_t sink;
} __attribute__((aligned(64)));

/* Shared state. */
static struct hazptr_domain *hz_dom[2];
static ck_hp_t ck_hp;
static struct bobj *_Atomic g_obj;		/* protect: hazptr, refcount */
static struct bobj *_Atomic g_head;		/* list10: hazptr, refcount */
static void *ck_obj, *ck_head;			/* ck_hp */
static struct cobj *u_obj, *u_head;		/* urcu */

static struct worker *workers;
static unsigned int nworkers;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static unsigned int job_gen, job_threads;
static enum impl job_impl;
static enum workload job_work;
static bool job_quit;
static _Atomic int g_stop;
static _Atomic unsigned int g_done;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "hazptr-bench: out of memory\n");
		exit(1);
	}
	return p;
}

/* Run BODY in batches until the stop flag; leaves the count in `ops`. */
#define LOOP(...)							\
	uint64_t ops = 0;						\
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {	\
		for (int k_ = 0; k_ < BATCH; k_++) {			\
			__VA_ARGS__;					\
		}							\
		ops += BATCH;						\
	}

/* Whether impl runs workload: bare is a read side only. */
static bool applies(enum impl im, enum workload wl)
{
	return im != I_BARE || wl != W_RETIRE;
}

/* ---- protect ---- */

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

/* ---- list10 ---- */

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

/* ---- retire ---- */

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

static void cobj_destroy(void *p)
{
	free(p);
}

static uint64_t retire_hazptr(struct worker *w, struct hazptr_domain *d)
{
	(void)w;
	LOOP(
		struct robj *o = xmalloc(sizeof(*o));
		o->val = k_;
		hazptr_retire(d, &o->hp, o, robj_reclaim);
	)
	return ops;
}

static uint64_t retire_ref(struct worker *w)
{
	(void)w;
	LOOP(
		struct bobj *o = xmalloc(sizeof(*o));
		o->val = k_;
		atomic_init(&o->ref, 1);
		if (atomic_fetch_sub_explicit(&o->ref, 1, memory_order_acq_rel) == 1)
			free(o);
	)
	return ops;
}

static uint64_t retire_ck(struct worker *w)
{
	LOOP(
		struct cobj *o = xmalloc(sizeof(*o));
		o->val = k_;
		ck_hp_free(w->ck, &o->ckh, o, o);
	)
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
		struct cobj *o = xmalloc(sizeof(*o));
		o->val = k_;
		w->batch[w->nbatch++] = o;
		if (w->nbatch == URCU_BATCH)
			urcu_flush(w, qsbr);
		if (qsbr && k_ == BATCH - 1)
			urcu_qsbr_quiescent_state();
	)
	return ops;
}

static uint64_t run_one(struct worker *w, enum impl im, enum workload wl)
{
	switch (wl) {
	case W_PROTECT:
		switch (im) {
		case I_BARE: return protect_bare(w);
		case I_HZ_MB: return protect_hazptr(w, w->hz[0]);
		case I_HZ_FENCE: return protect_hazptr(w, w->hz[1]);
		case I_REF: return protect_ref(w);
		case I_CK: return protect_ck(w);
		case I_MEMB: return protect_memb(w);
		case I_QSBR: return protect_qsbr(w);
		default: break;
		}
		break;
	case W_LIST:
		switch (im) {
		case I_BARE: return list_bare(w);
		case I_HZ_MB: return list_hazptr(w, w->hz[0]);
		case I_HZ_FENCE: return list_hazptr(w, w->hz[1]);
		case I_REF: return list_ref(w);
		case I_CK: return list_ck(w);
		case I_MEMB: return list_memb(w);
		case I_QSBR: return list_qsbr(w);
		default: break;
		}
		break;
	case W_RETIRE:
		switch (im) {
		case I_HZ_MB: return retire_hazptr(w, hz_dom[0]);
		case I_HZ_FENCE: return retire_hazptr(w, hz_dom[1]);
		case I_REF: return retire_ref(w);
		case I_CK: return retire_ck(w);
		case I_MEMB: return retire_urcu(w, false);
		case I_QSBR: return retire_urcu(w, true);
		default: break;
		}
		break;
	default:
		break;
	}
	abort();
}

/* ---- worker threads ---- */

static void pin(unsigned int id)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 1)
		return;
	CPU_ZERO(&set);
	CPU_SET(id % (unsigned int)ncpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int seen = 0;

	pin(w->id);
	w->hz[0] = hazptr_rec_get(hz_dom[0]);
	w->hz[1] = hazptr_rec_get(hz_dom[1]);
	w->ck = aligned_alloc(64, (sizeof(*w->ck) + 63) & ~(size_t)63);
	if (!w->hz[0] || !w->hz[1] || !w->ck) {
		fprintf(stderr, "hazptr-bench: worker setup failed\n");
		exit(1);
	}
	ck_hp_register(&ck_hp, w->ck, w->ck_slots);
	urcu_memb_register_thread();
	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();	/* online only while running qsbr */

	for (;;) {
		enum impl im;
		enum workload wl;
		uint64_t t0;

		pthread_mutex_lock(&job_lock);
		while (job_gen == seen && !job_quit)
			pthread_cond_wait(&job_cond, &job_lock);
		if (job_quit) {
			pthread_mutex_unlock(&job_lock);
			break;
		}
		seen = job_gen;
		im = job_impl;
		wl = job_work;
		if (w->id >= job_threads) {
			pthread_mutex_unlock(&job_lock);
			continue;
		}
		pthread_mutex_unlock(&job_lock);

		if (im == I_QSBR)
			urcu_qsbr_thread_online();
		t0 = now_ns();
		w->ops = run_one(w, im, wl);
		w->ns = now_ns() - t0;
		/* Untimed: give back what this thread still holds. */
		if (wl == W_RETIRE) {
			if (im == I_CK)
				ck_hp_purge(w->ck);
			else if (im == I_MEMB || im == I_QSBR)
				urcu_flush(w, im == I_QSBR);
		}
		if (im == I_QSBR)
			urcu_qsbr_thread_offline();
		atomic_fetch_add(&g_done, 1);
	}
	urcu_qsbr_unregister_thread();
	urcu_memb_unregister_thread();
	ck_hp_unregister(w->ck);
	return NULL;
}

/* One sample: ns/op averaged over the threads. */
static double measure(enum impl im, enum workload wl, unsigned int threads, uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	double sum = 0;

	atomic_store(&g_stop, 0);
	atomic_store(&g_done, 0);
	pthread_mutex_lock(&job_lock);
	job_impl = im;
	job_work = wl;
	job_threads = threads;
	job_gen++;
	pthread_cond_broadcast(&job_cond);
	pthread_mutex_unlock(&job_lock);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	atomic_store(&g_stop, 1);
	while (atomic_load(&g_done) < threads)
		usleep(100);
	if (wl == W_RETIRE && (im == I_HZ_MB || im == I_HZ_FENCE))
		hazptr_cleanup(hz_dom[im == I_HZ_FENCE]);
	for (unsigned int i = 0; i < threads; i++)
		sum += workers[i].ops ? (double)workers[i].ns / (double)workers[i].ops : 0;
	return sum / threads;
}

/* ---- setup, options, output ---- */

static struct cobj *cobj_list(void)
{
	struct cobj *c = NULL;

	for (int i = LIST_LEN - 1; i >= 0; i--) {
		struct cobj *nc = xmalloc(sizeof(*nc));

		nc->val = i;
		nc->next = c;
		c = nc;
	}
	return c;
}

/* Each implementation family gets its own list and object. */
static void build_lists(void)
{
	struct bobj *b = NULL;
	struct cobj *c;

	for (int i = LIST_LEN - 1; i >= 0; i--) {
		struct bobj *nb = xmalloc(sizeof(*nb));

		nb->val = i;
		atomic_init(&nb->ref, 1);
		atomic_init(&nb->next, b);
		b = nb;
	}
	atomic_store(&g_head, b);
	ck_pr_store_ptr(&ck_head, cobj_list());
	rcu_assign_pointer(u_head, cobj_list());

	b = xmalloc(sizeof(*b));
	b->val = 42;
	atomic_init(&b->ref, 1);
	atomic_init(&b->next, NULL);
	atomic_store(&g_obj, b);
	for (int i = 0; i < 2; i++) {
		c = xmalloc(sizeof(*c));
		c->val = 42;
		c->next = NULL;
		if (i == 0)
			ck_pr_store_ptr(&ck_obj, c);
		else
			rcu_assign_pointer(u_obj, c);
	}
}

static void free_lists(void)
{
	struct bobj *b = atomic_load(&g_head), *nb;
	struct cobj *c = ck_head, *nc;

	for (; b; b = nb) {
		nb = atomic_load(&b->next);
		free(b);
	}
	for (; c; c = nc) {
		nc = c->next;
		free(c);
	}
	for (c = u_head; c; c = nc) {
		nc = c->next;
		free(c);
	}
	free(atomic_load(&g_obj));
	free(ck_obj);
	free(u_obj);
}

static void machine_line(FILE *f, const char *prefix)
{
	char model[256] = "unknown", line[512], load[64] = "?";
	struct utsname u;
	FILE *p = fopen("/proc/cpuinfo", "r");

	if (p) {
		while (fgets(line, sizeof(line), p)) {
			if (!strncmp(line, "model name", 10)) {
				char *v = strchr(line, ':');

				if (v) {
					v += 1 + strspn(v + 1, " \t");
					v[strcspn(v, "\n")] = '\0';
					snprintf(model, sizeof(model), "%s", v);
				}
				break;
			}
		}
		fclose(p);
	}
	p = fopen("/proc/loadavg", "r");
	if (p) {
		if (fgets(line, sizeof(line), p))
			snprintf(load, sizeof(load), "%.*s", (int)strcspn(line, " "), line);
		fclose(p);
	}
	if (uname(&u) != 0)
		strcpy(u.release, "?");
	fprintf(f, "%smachine: %s; %ld cpus online; Linux %s; %s %s; load %s; "
		"hazptr fence %s\n", prefix, model, sysconf(_SC_NPROCESSORS_ONLN),
		u.release,
#if defined(__clang__)
		"clang",
#else
		"gcc",
#endif
		__VERSION__, load, hazptr_fence_name(hazptr_domain_fence(hz_dom[0])));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hazptr-bench [--quick] [--csv] [--seconds S] [--samples N]\n"
		"                    [--threads LIST] [--impls LIST] [--workloads LIST]\n"
		"  --quick           short smoke run (3 samples of 20 ms per cell)\n"
		"  --csv             print impl,threads,workload,ns_per_op rows only\n"
		"  --seconds S       total measuring time, split over all cells (default 30)\n"
		"  --samples N       samples per cell, median reported (default 5)\n"
		"  --threads LIST    comma-separated thread counts 1..%d (default 1,2)\n"
		"  --impls LIST      subset of: bare,hazptr-membarrier,hazptr-fence,\n"
		"                    refcount,ck_hp,urcu-memb,urcu-qsbr (default all;\n"
		"                    bare has no retire row)\n"
		"  --workloads LIST  subset of: protect,list10,retire (default all)\n"
		"  --help            this text\n", MAX_THREADS);
}

static void bad_usage(const char *fmt, const char *arg)
{
	fputs("hazptr-bench: ", stderr);
	fprintf(stderr, fmt, arg ? arg : "(missing)");
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

static int lookup(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len))
			return i;
	return -1;
}

/* Parse "a,b,c" of names into a selection mask. */
static unsigned int parse_names(const char *opt, const char *arg,
				const char *const *names, int n)
{
	unsigned int mask = 0;

	if (!arg || !*arg)
		bad_usage("%s needs a comma-separated list", opt);
	for (const char *s = arg; *s; ) {
		size_t len = strcspn(s, ",");
		int i = lookup(names, n, s, len);

		if (i < 0)
			bad_usage("unknown name in '%s'", arg);
		mask |= 1u << i;
		s += len + (s[len] == ',');
	}
	return mask;
}

static double parse_num(const char *opt, const char *arg, double lo, double hi)
{
	char *end;
	double v;

	if (!arg)
		bad_usage("%s needs a value", opt);
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < lo || v > hi)
		bad_usage("bad value '%s'", arg);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned int threads[16] = { 1, 2 }, nthreads = 2, samples = 5, maxthr = 0;
	unsigned int impls = (1u << NIMPL) - 1, works = (1u << NWORK) - 1, ncells = 0;
	double seconds = 30, *res;
	bool csv = false, quick = false, seconds_set = false, samples_set = false;
	uint64_t sample_ns;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--quick")) {
			quick = true;
		} else if (!strcmp(a, "--seconds")) {
			seconds = parse_num(a, v, 0.01, 86400), i++, seconds_set = true;
		} else if (!strcmp(a, "--samples")) {
			samples = (unsigned int)parse_num(a, v, 1, 1000), i++, samples_set = true;
		} else if (!strcmp(a, "--impls")) {
			impls = parse_names(a, v, impl_name, NIMPL), i++;
		} else if (!strcmp(a, "--workloads")) {
			works = parse_names(a, v, work_name, NWORK), i++;
		} else if (!strcmp(a, "--threads")) {
			nthreads = 0;
			if (!v || !*v)
				bad_usage("%s needs a comma-separated list", a);
			for (const char *s = v; *s; ) {
				char *end;
				long t = strtol(s, &end, 10);

				if (end == s || (*end && *end != ',') || t < 1 || t > MAX_THREADS ||
				    nthreads == 16)
					bad_usage("bad thread list '%s' (1..256, at most 16 entries)", v);
				threads[nthreads++] = (unsigned int)t;
				s = *end ? end + 1 : end;
			}
			i++;
		} else {
			bad_usage("unknown option '%s'", a);
		}
	}
	if (quick) {
		if (!samples_set)
			samples = 3;
		if (!seconds_set)
			seconds = 0;	/* fixed 20 ms samples below */
	}
	for (unsigned int t = 0; t < nthreads; t++)
		if (threads[t] > maxthr)
			maxthr = threads[t];
	for (int im = 0; im < NIMPL; im++)
		for (int wl = 0; wl < NWORK; wl++)
			ncells += (impls >> im & 1) && (works >> wl & 1) &&
				  applies((enum impl)im, (enum workload)wl);
	ncells *= nthreads;
	sample_ns = seconds > 0 ? (uint64_t)(seconds * 1e9 / (ncells * samples)) : 20000000u;
	if (sample_ns < 1000000)
		sample_ns = 1000000;

	hz_dom[0] = hazptr_domain_create(0);
	hz_dom[1] = hazptr_domain_create(HAZPTR_DOMAIN_FENCE);
	if (!hz_dom[0] || !hz_dom[1]) {
		fprintf(stderr, "hazptr-bench: hazptr_domain_create: %s\n", strerror(errno));
		return 1;
	}
	ck_hp_init(&ck_hp, 2, HAZPTR_SCAN_BASE, cobj_destroy);
	build_lists();
	if (!csv)
		machine_line(stdout, "");
	else
		machine_line(stderr, "# ");
	if (hazptr_domain_fence(hz_dom[0]) != HAZPTR_FENCE_MEMBARRIER)
		fprintf(stderr, "hazptr-bench: membarrier unavailable: the "
			"hazptr-membarrier rows use the seq_cst fence\n");

	nworkers = maxthr;
	workers = aligned_alloc(64, sizeof(*workers) * nworkers);
	res = calloc((size_t)NIMPL * NWORK * nthreads * samples, sizeof(*res));
	if (!workers || !res)
		return 1;
	memset(workers, 0, sizeof(*workers) * nworkers);
	for (unsigned int i = 0; i < nworkers; i++) {
		workers[i].id = i;
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i])) {
			fprintf(stderr, "hazptr-bench: pthread_create failed\n");
			return 1;
		}
	}

#define RES(im, wl, t, s) res[(((size_t)(im) * NWORK + (wl)) * nthreads + (t)) * samples + (s)]
	for (unsigned int s = 0; s < samples; s++) {
		fprintf(stderr, "hazptr-bench: sample %u/%u (%.0f ms per cell)\n",
			s + 1, samples, sample_ns / 1e6);
		for (unsigned int t = 0; t < nthreads; t++)
			for (int wl = 0; wl < NWORK; wl++)
				for (int k = 0; k < NIMPL; k++) {
					int im = (k + (int)s) % NIMPL;	/* rotate the order */

					if ((impls >> im & 1) && (works >> wl & 1) &&
					    applies((enum impl)im, (enum workload)wl))
						RES(im, wl, t, s) = measure((enum impl)im,
							(enum workload)wl, threads[t], sample_ns);
				}
	}

	pthread_mutex_lock(&job_lock);
	job_quit = true;
	pthread_cond_broadcast(&job_cond);
	pthread_mutex_unlock(&job_lock);
	for (unsigned int i = 0; i < nworkers; i++)
		pthread_join(workers[i].tid, NULL);

	if (csv)
		printf("impl,threads,workload,ns_per_op\n");
	else
		printf("%-8s %7s  %-18s %10s  %8s  %9s\n", "workload", "threads", "impl",
		       "ns/op", "x bare", "x hazptr");
	for (unsigned int t = 0; t < nthreads; t++) {
		for (int wl = 0; wl < NWORK; wl++) {
			double med[NIMPL] = { 0 };

			if (!(works >> wl & 1))
				continue;
			for (int im = 0; im < NIMPL; im++) {
				if (!(impls >> im & 1) || !applies((enum impl)im, (enum workload)wl))
					continue;
				qsort(&RES(im, wl, t, 0), samples, sizeof(double), cmp_double);
				med[im] = RES(im, wl, t, samples / 2);
			}
			for (int im = 0; im < NIMPL; im++) {
				char vbare[16] = "-", vhz[16] = "-";

				if (!(impls >> im & 1) || !applies((enum impl)im, (enum workload)wl))
					continue;
				if (csv) {
					printf("%s,%u,%s,%.3f\n", impl_name[im], threads[t],
					       work_name[wl], med[im]);
					continue;
				}
				/* Ratios within this run only: a read-side row
				 * against bare, every row against hazptr. */
				if (med[I_BARE] > 0)
					snprintf(vbare, sizeof(vbare), "%.2f", med[im] / med[I_BARE]);
				if (med[I_HZ_MB] > 0)
					snprintf(vhz, sizeof(vhz), "%.2f", med[im] / med[I_HZ_MB]);
				printf("%-8s %7u  %-18s %10.2f  %8s  %9s\n", work_name[wl],
				       threads[t], impl_name[im], med[im], vbare, vhz);
			}
		}
	}
	if (!csv) {
		printf("(median of %u samples of %.0f ms; ratio > 1: slower than bare "
		       "or hazptr-membarrier, same run; retire: ns per object incl. "
		       "reclaim)\n", samples, sample_ns / 1e6);
		machine_line(stdout, "after run: ");
	}

	{	/* keep the sinks alive */
		uint64_t sink = 0;

		for (unsigned int i = 0; i < nworkers; i++)
			sink += workers[i].sink;
		if (sink == 1)
			fprintf(stderr, "\n");
	}
	free_lists();
	hazptr_cleanup(hz_dom[0]);
	hazptr_cleanup(hz_dom[1]);
	hazptr_domain_destroy(hz_dom[0]);
	hazptr_domain_destroy(hz_dom[1]);
	free(res);
	free(workers);
	return 0;
}
