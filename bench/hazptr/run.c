/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.c - the worker threads and one timed sample.
 *
 * A sample: every worker thread (pinned to CPU i % ncpus) runs the loop
 * until told to stop, and its ns/op is its own elapsed time over its own
 * operation count; the sample is the mean over the workers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/host.h"
#include "ds.h"

const struct hzb_impl *const hzb_impls[NIMPL] = {
	[I_BARE] = &hzb_bare, [I_HZ_MB] = &hzb_hz_mb, [I_HZ_FENCE] = &hzb_hz_fence,
	[I_REF] = &hzb_refcount, [I_CK] = &hzb_ck, [I_MEMB] = &hzb_memb,
	[I_QSBR] = &hzb_qsbr, [I_EPOCH] = &hzb_epoch,
};

_Atomic int g_stop;

static struct worker *workers;
static unsigned int nworkers;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static unsigned int job_gen, job_threads;
static enum impl job_impl;
static enum workload job_work;
static bool job_quit, job_stall;
static uint64_t job_nops;
static _Atomic unsigned int g_done;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *hzb_xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "hazptr-bench: out of memory\n");
		exit(1);
	}
	return p;
}

struct cobj *hzb_cobj_list(void)
{
	struct cobj *c = NULL;

	for (int i = LIST_LEN - 1; i >= 0; i--) {
		struct cobj *nc = hzb_xmalloc(sizeof(*nc));

		nc->val = i;
		nc->next = c;
		c = nc;
	}
	return c;
}

void hzb_cobj_list_free(struct cobj *c)
{
	for (struct cobj *nc; c; c = nc) {
		nc = c->next;
		free(c);
	}
}

/* Whether impl has a row for workload. */
bool hzb_applies(enum impl im, enum workload wl)
{
	const struct hzb_impl *ops = hzb_impls[im];

	switch (wl) {
	case W_PROTECT: return ops->protect != NULL;
	case W_LIST: return ops->list10 != NULL;
	case W_RETIRE: return ops->retire != NULL;
	case W_HOLD: return ops->hold != NULL;
	case W_COHORT: return ops->cohort != NULL;
	default: return WORK_IS_DS(wl) && wl < NWORK && ops->ds != NULL;
	}
}

static uint64_t run_one(struct worker *w, enum impl im, enum workload wl)
{
	const struct hzb_impl *ops = hzb_impls[im];

	switch (wl) {
	case W_PROTECT: return ops->protect(w);
	case W_LIST: return ops->list10(w);
	case W_RETIRE: return ops->retire(w);
	case W_HOLD: return ops->hold(w);
	case W_COHORT: return ops->cohort(w);
	default: abort();
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int seen = 0;

	if (ncpu >= 1)
		(void)bc_pin_self((int)(w->id % (unsigned int)ncpu));
	w->hz[0] = hazptr_rec_get(hz_dom[0]);
	w->hz[1] = hazptr_rec_get(hz_dom[1]);
	w->ck = aligned_alloc(64, (sizeof(*w->ck) + 63) & ~(size_t)63);
	if (!w->hz[0] || !w->hz[1] || !w->ck) {
		fprintf(stderr, "hazptr-bench: worker setup failed\n");
		exit(1);
	}
	ck_hp_register(&ck_hp, w->ck, w->ck_slots);
	hzb_ds_thread_init(w);
	hzb_urcu_thread_init();

	for (;;) {
		const struct hzb_impl *ops;
		enum impl im;
		enum workload wl;
		uint64_t t0, nops;
		bool stall;

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
		nops = job_nops;
		/* The stalled reader is the thread after the workers. */
		stall = job_stall && w->id == job_threads;
		if (w->id >= job_threads && !stall) {
			pthread_mutex_unlock(&job_lock);
			continue;
		}
		pthread_mutex_unlock(&job_lock);

		ops = hzb_impls[im];
		if (ops->qsbr)
			hzb_urcu_online(true);
		if (WORK_IS_DS(wl)) {
			if (stall)
				hzb_ds_stall(w, im, wl);
			else
				hzb_ds_work(w, im, wl, nops);
			if (ops->qsbr)
				hzb_urcu_online(false);
			atomic_fetch_add(&g_done, 1);
			continue;
		}
		t0 = now_ns();
		w->ops = run_one(w, im, wl);
		w->ns = now_ns() - t0;
		/* Untimed: give back what this thread still holds. */
		if (wl == W_RETIRE && ops->retire_done)
			ops->retire_done(w);
		if (ops->qsbr)
			hzb_urcu_online(false);
		atomic_fetch_add(&g_done, 1);
	}
	hzb_urcu_thread_fini();
	hzb_ds_thread_fini(w);
	ck_hp_unregister(w->ck);
	return NULL;
}

int hzb_threads_start(unsigned int n)
{
	nworkers = n;
	workers = aligned_alloc(64, sizeof(*workers) * nworkers);
	if (!workers)
		return -1;
	memset(workers, 0, sizeof(*workers) * nworkers);
	for (unsigned int i = 0; i < nworkers; i++) {
		workers[i].id = i;
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i])) {
			fprintf(stderr, "hazptr-bench: pthread_create failed\n");
			return -1;
		}
	}
	return 0;
}

uint64_t hzb_sink(void)
{
	uint64_t sink = 0;

	for (unsigned int i = 0; i < nworkers; i++)
		sink += workers[i].sink;
	return sink;
}

void hzb_threads_stop(void)
{
	pthread_mutex_lock(&job_lock);
	job_quit = true;
	pthread_cond_broadcast(&job_cond);
	pthread_mutex_unlock(&job_lock);
	for (unsigned int i = 0; i < nworkers; i++)
		pthread_join(workers[i].tid, NULL);
	free(workers);
	workers = NULL;
}

struct worker *hzb_workers(unsigned int *n)
{
	*n = nworkers;
	return workers;
}

unsigned int hzb_done(void)
{
	return atomic_load(&g_done);
}

/* Start a job: threads workers (and the stalled reader after them). */
void hzb_dispatch(enum impl im, enum workload wl, unsigned int threads,
		  bool stall, uint64_t nops)
{
	atomic_store(&g_stop, 0);
	atomic_store(&g_done, 0);
	pthread_mutex_lock(&job_lock);
	job_impl = im;
	job_work = wl;
	job_threads = threads;
	job_stall = stall;
	job_nops = nops;
	job_gen++;
	pthread_cond_broadcast(&job_cond);
	pthread_mutex_unlock(&job_lock);
}

/* One sample: ns/op averaged over the threads (data structures: ds.c). */
void hzb_measure(enum impl im, enum workload wl, unsigned int threads,
		 uint64_t ns, uint64_t nops, struct hzb_sample *out)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	double sum = 0;

	if (WORK_IS_DS(wl)) {
		hzb_ds_measure(im, wl, threads, ns, nops, out);
		return;
	}
	hzb_dispatch(im, wl, threads, false, 0);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	atomic_store(&g_stop, 1);
	while (atomic_load(&g_done) < threads)
		usleep(100);
	if ((wl == W_RETIRE || wl == W_COHORT) && hzb_impls[im]->retire_drain)
		hzb_impls[im]->retire_drain(im, wl);
	for (unsigned int i = 0; i < threads; i++)
		sum += workers[i].ops ? (double)workers[i].ns / (double)workers[i].ops : 0;
	out->ns_per_op = sum / threads;
}
