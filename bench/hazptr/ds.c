/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds.c - the data-structure workloads' engine: build and prefill the set,
 * run a job on the workers (and the stalled reader), sample the
 * unreclaimed count, drain, check the set against what the workers did,
 * free it.
 *
 * Unreclaimed = objects retired and not yet freed, summed over every
 * thread's counters.  The main thread samples it every millisecond of a
 * sample (peak) and once when the workers have stopped (end).  After the
 * drain it must be 0: a node retired and never freed is a leak, and the
 * run fails.
 *
 * The check (after every sample): every bucket strictly sorted, no marked
 * node left, every key in its bucket and in range, and the number and sum
 * of keys equal to the prefill's plus the successful inserts' minus the
 * successful removes' as the workers logged them.  A lost update, a
 * duplicate or a node freed while linked shows up here (or under ASAN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ds.h"

long hzb_hash_range = 100000, hzb_list_range = 1000;

_Thread_local struct hzb_count *ds_tl_count;
static struct hzb_count main_count;
static _Atomic uint64_t freed_elsewhere;	/* call_rcu threads */
static _Atomic int stall_ready;
static bool failed;
static struct ds_set g_set;

static const struct {
	bool hash, stall;
	unsigned int lookup_pct;
} ds_work[NWORK] = {
	[W_HASH90] = { true, false, 90 },
	[W_HASH50] = { true, false, 0 },
	[W_HMLIST90] = { false, false, 90 },
	[W_HMLIST50] = { false, false, 0 },
	[W_HASH50_STALL] = { true, true, 0 },
	[W_HMLIST50_STALL] = { false, true, 0 },
};

bool hzb_ds_is_stall(enum workload wl)
{
	return WORK_IS_DS(wl) && ds_work[wl].stall;
}

bool hzb_ds_failed(void)
{
	return failed;
}

void ds_node_free(struct ds_node *n)
{
	n->key = -1;		/* a reader that still uses it is wrong */
	free(n);
	ds_count_freed();
}

/* Count one node freed, on the calling thread's counter. */
void ds_count_freed(void)
{
	struct hzb_count *c = ds_tl_count;

	if (c) {
		uint64_t f = atomic_load_explicit(&c->freed, memory_order_relaxed);

		/* Single writer.  Release: [pair:hzb-count] (ds.h). */
		atomic_store_explicit(&c->freed, f + 1, memory_order_release);
	} else {
		atomic_fetch_add_explicit(&freed_elsewhere, 1, memory_order_release);
	}
}

/*
 * Freed first, then retired (acquire loads, [pair:hzb-count]): a free is
 * counted after its retire, so the result never goes below the truth by a
 * concurrent free (it may be above it by the retires that raced with the
 * reading).
 */
static uint64_t unreclaimed(uint64_t *retired_out)
{
	unsigned int n;
	struct worker *ws = hzb_workers(&n);
	uint64_t freed, retired = 0;

	freed = atomic_load_explicit(&main_count.freed, memory_order_acquire) +
		atomic_load_explicit(&freed_elsewhere, memory_order_acquire);
	for (unsigned int i = 0; i < n; i++)
		freed += atomic_load_explicit(&ws[i].cnt.freed, memory_order_acquire);
	retired += atomic_load_explicit(&main_count.retired, memory_order_acquire);
	for (unsigned int i = 0; i < n; i++)
		retired += atomic_load_explicit(&ws[i].cnt.retired, memory_order_acquire);
	if (retired_out)
		*retired_out = retired;
	return retired > freed ? retired - freed : 0;
}

void hzb_ds_setup(void)
{
	ds_tl_count = &main_count;
}

void hzb_ds_thread_init(struct worker *w)
{
	ds_tl_count = &w->cnt;
	w->rng = 0x9E3779B97F4A7C15ull * (w->id + 1) | 1;
	w->ck_ds = aligned_alloc(64, (sizeof(*w->ck_ds) + 63) & ~(size_t)63);
	w->ep = aligned_alloc(64, (sizeof(*w->ep) + 63) & ~(size_t)63);
	if (!w->ck_ds || !w->ep) {
		fprintf(stderr, "hazptr-bench: worker setup failed\n");
		exit(1);
	}
	ck_hp_register(&ck_hp_ds, w->ck_ds, w->ck_ds_slots);
	ck_epoch_register(&ck_ep, w->ep, NULL);
}

void hzb_ds_thread_fini(struct worker *w)
{
	ck_hp_unregister(w->ck_ds);
	ck_epoch_unregister(w->ep);
}

/* ---- the set, sequentially (prefill, check, teardown) ---- */

/*
 * The prefill: range / 2 distinct keys drawn from a fixed xorshift
 * sequence (a key drawn twice counts once).  Nodes are allocated in the
 * order their keys are first drawn, so consecutive nodes of a bucket lie
 * at unrelated addresses, as if inserted one by one; then each bucket is
 * linked in key order by pushing the keys from the highest down.  This
 * gives the set, and the heap layout, that inserting the keys one at a
 * time in draw order would give, in O(range) instead of O(n^2 / buckets)
 * (a 50,000-key list took ~20 s to fill that way).
 */
static void set_build(struct ds_set *s, bool hash, long range, long *n, long *sum)
{
	uint64_t nb = 1, x = 0x2545F4914F6CDD1Dull;
	long want = range / 2;
	struct ds_node **at;

	if (hash)
		while (nb < (uint64_t)want)
			nb <<= 1;
	s->heads = calloc(nb, sizeof(*s->heads));
	at = calloc((size_t)range, sizeof(*at));
	if (!s->heads || !at) {
		fprintf(stderr, "hazptr-bench: out of memory\n");
		exit(1);
	}
	s->mask = nb - 1;
	s->range = range;
	*n = 0, *sum = 0;
	while (*n < want) {
		long key;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		key = (long)((x >> 32) % (uint64_t)range);
		if (at[key])
			continue;
		at[key] = hzb_xmalloc(sizeof(*at[key]));
		memset(&at[key]->u, 0, sizeof(at[key]->u));	/* refcount: the structure's reference */
		at[key]->key = key;
		++*n, *sum += key;
	}
	for (long key = range - 1; key >= 0; key--) {
		void *_Atomic *head = ds_bucket(s, key);

		if (!at[key])
			continue;
		/* Relaxed: no worker runs until hzb_dispatch() publishes the job. */
		atomic_init(&at[key]->next, atomic_load_explicit(head, memory_order_relaxed));
		atomic_store_explicit(head, at[key], memory_order_relaxed);
	}
	free(at);
}

/* 0, or -1 with why[] filled. */
static int set_check(const struct ds_set *s, long want_n, long want_sum,
		     char *why, size_t len)
{
	long n = 0, sum = 0;

	for (uint64_t b = 0; b <= s->mask; b++) {
		long last = -1;

		for (void *p = atomic_load(&s->heads[b]); p; ) {
			struct ds_node *c = p;

			if (DS_MARKED(p)) {
				snprintf(why, len, "a marked link in bucket %lu", (unsigned long)b);
				return -1;
			}
			if (c->key <= last || c->key >= s->range ||
			    ds_bucket(s, c->key) != &s->heads[b]) {
				snprintf(why, len, "key %ld out of order or place (bucket %lu)",
					 c->key, (unsigned long)b);
				return -1;
			}
			last = c->key;
			n++, sum += c->key;
			p = atomic_load(&c->next);
		}
	}
	if (n != want_n || sum != want_sum) {
		snprintf(why, len, "%ld keys summing to %ld, the log says %ld summing to %ld",
			 n, sum, want_n, want_sum);
		return -1;
	}
	return 0;
}

static void set_free(struct ds_set *s)
{
	for (uint64_t b = 0; b <= s->mask; b++) {
		struct ds_node *c = atomic_load(&s->heads[b]), *nx;

		for (; c; c = nx) {
			nx = DS_UNMARK(atomic_load(&c->next));
			free(c);
		}
	}
	free(s->heads);
	s->heads = NULL;
}

/* ---- a job, on the worker threads ---- */

void hzb_ds_work(struct worker *w, enum impl im, enum workload wl, uint64_t nops)
{
	const struct ds_smr *ds = hzb_impls[im]->ds;
	struct timespec ts = { 0, 100000 }, a, b;
	int waited = 0;

	ds->prepare(w, im);
	w->ins_n = w->rem_n = w->ins_sum = w->rem_sum = 0;
	/* A stalled reader first (bounded wait: 10 s).  Acquire:
	 * [pair:hzb-stall], its protection or section is in place. */
	while (ds_work[wl].stall && !atomic_load_explicit(&stall_ready, memory_order_acquire)) {
		if (++waited > 100000) {
			fprintf(stderr, "hazptr-bench: the stalled reader never started\n");
			exit(1);
		}
		nanosleep(&ts, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	w->ops = ds->run(w, &g_set, ds_work[wl].lookup_pct, nops);
	clock_gettime(CLOCK_MONOTONIC, &b);
	w->ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
		(uint64_t)(b.tv_nsec - a.tv_nsec);
}

void hzb_ds_stall(struct worker *w, enum impl im, enum workload wl)
{
	const struct ds_smr *ds = hzb_impls[im]->ds;

	(void)wl;
	ds->prepare(w, im);
	ds->stall(w, &g_set, &stall_ready);
}

/* ---- a sample, on the main thread ---- */

void hzb_ds_measure(enum impl im, enum workload wl, unsigned int threads,
		    uint64_t ns, uint64_t nops, struct hzb_sample *out)
{
	const struct ds_smr *ds = hzb_impls[im]->ds;
	long range = ds_work[wl].hash ? hzb_hash_range : hzb_list_range;
	long pre_n, pre_sum, want_n, want_sum;
	struct timespec ms = { 0, 1000000 };
	uint64_t peak = 0, end, elapsed = 0, r0, r1;
	unsigned int nw;
	struct worker *ws;
	double sum = 0, mops = 0;
	char why[160];

	set_build(&g_set, ds_work[wl].hash, range, &pre_n, &pre_sum);
	(void)unreclaimed(&r0);
	atomic_store(&stall_ready, 0);
	hzb_dispatch(im, wl, threads, ds_work[wl].stall, nops);
	/* Sample the count each millisecond until the time is up (time
	 * mode) or every worker has done its operations (--ops). */
	while (nops ? hzb_done() < threads : elapsed < ns) {
		uint64_t u = unreclaimed(NULL);

		if (u > peak)
			peak = u;
		nanosleep(&ms, NULL);
		elapsed += 1000000;
	}
	atomic_store(&g_stop, 1);
	while (hzb_done() < threads)
		nanosleep(&ms, NULL);
	/* The workers have stopped; the stalled reader still holds on. */
	end = unreclaimed(&r1);
	if (end > peak)
		peak = end;
	if (ds_work[wl].stall) {
		atomic_store(&stall_ready, 2);
		while (hzb_done() < threads + 1)
			nanosleep(&ms, NULL);
	}

	ws = hzb_workers(&nw);
	ds->drain(ws, nw);
	want_n = pre_n, want_sum = pre_sum;
	for (unsigned int i = 0; i < threads; i++) {
		want_n += ws[i].ins_n - ws[i].rem_n;
		want_sum += ws[i].ins_sum - ws[i].rem_sum;
		sum += ws[i].ops ? (double)ws[i].ns / (double)ws[i].ops : 0;
		mops += ws[i].ns ? (double)ws[i].ops * 1e3 / (double)ws[i].ns : 0;
	}
	if (set_check(&g_set, want_n, want_sum, why, sizeof(why)) != 0) {
		fprintf(stderr, "hazptr-bench: %s %s, %u threads: set check failed: %s\n",
			hzb_impls[im]->name, hzb_work_name[wl], threads, why);
		failed = true;
	}
	if (unreclaimed(NULL) != 0) {
		fprintf(stderr, "hazptr-bench: %s %s: %llu objects retired and never "
			"freed after the drain\n", hzb_impls[im]->name, hzb_work_name[wl],
			(unsigned long long)unreclaimed(NULL));
		failed = true;
	}
	set_free(&g_set);
	out->ns_per_op = sum / threads;
	out->mops = mops;
	out->retired = (double)(r1 - r0);
	out->peak = (double)peak;
	out->end = (double)end;
}
