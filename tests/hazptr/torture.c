/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * torture.c - pipeline-age torture test for struct hazptr_domain, after
 * liburcu's rcutorture "stress" mode and the kernel's hazptrtorture.
 *
 * One writer replaces the shared pointer `cur` and retires the old object.
 * An object's age is
 *   0  while it is current,
 *   1  once replaced and retired (readers that protected it may still use it),
 *   2  when the library reclaims it (the reclaim callback), after which the
 *      writer bumps it on every later update, and at 2 + GRAVE_LEN poisons
 *      and frees it.
 * The reclaim callback is the hazard-pointer analogue of the end of an RCU
 * grace period, so, as in rcutorture, a reader that protected an object and
 * then sees an age above 1 has used an object the library gave back: a
 * use-after-free.  (Freed objects are poisoned first; ASAN catches reads of
 * them directly.)
 *
 * Readers: plain loops with random spins and sleeps while protected; a
 * signal handler that also reads (SIGUSR1 from a signaler thread, using a
 * hazptr_rec_alloc() record); short-lived threads that register, read, and
 * exit, half of them while still holding a protection.
 *
 * The writer also checks the memory bound after every retire and at the
 * start of every pass: pending <= 2 * (threshold + live slots).
 *
 * Exit status 0 and "End of test: SUCCESS" iff: no age > 1 seen, the bound
 * held, at least --reads reads were done, and everything was reclaimed.
 *
 * --cohort retires into a cohort (hazptr_cohort_retire()) that the writer
 * destroys and recreates every 1024 updates; after each destroy every
 * object retired into it must have been reclaimed (its age set to 2 by the
 * callback), which the writer checks, and the age check covers the
 * cohort's own passes.
 *
 * --busted replaces hazptr_retire() by an immediate reclaim (a library that
 * ignores hazard pointers); the suite runs it and expects FAILURE, which
 * shows that the age check catches a premature reclaim.
 */
#include "common.h"

#define GRAVE_LEN	4		/* updates an object spends reclaimed */
#define AGE_POISON	0x7eadbeef
#define NBUCKETS	(2 + GRAVE_LEN + 1)	/* 0, 1, 2..GRAVE_LEN+1, other */

struct tobj {
	_Atomic int age;
	uint64_t seq;
	struct hazptr_obj hp;
	struct tobj *grave_next;
};

struct reader {
	pthread_t tid;
	uint64_t seed;
	uint64_t reads;
	uint64_t hist[NBUCKETS];
	_Atomic int ready;
};

static struct hazptr_domain *dom;
static struct tobj *_Atomic cur;
static _Atomic int stop;		/* readers, churn and signaler */
static _Atomic int writer_stop;
static _Atomic int signaler_done;
static _Atomic uint64_t total_reads;
static _Atomic uint64_t shared_hist[NBUCKETS];	/* churn threads and handlers */
static uint64_t target_reads = 10 * 1000 * 1000;
static uint64_t min_ns;			/* run at least this long */
static uint64_t t_start;
static bool busted;
static bool use_cohort;			/* --cohort */
static struct hazptr_cohort *coh;
static uint64_t cohort_fails, cohorts_done;

/* Writer-side state.  Reclaim callbacks run in a pass, and only the writer
 * retires, so they run on the writer (or on main after the writer joined). */
static struct tobj *grave;
static uint64_t n_retired, n_reclaimed, n_updates, n_freed;
static uint64_t max_pending, bound_fails, max_bound;

static int bucket(int age)
{
	if (age >= 0 && age < NBUCKETS - 1)
		return age;
	return NBUCKETS - 1;
}

static void check_bound(void)
{
	struct hazptr_stats st;
	uint64_t pending = n_retired - n_reclaimed, bound;

	hazptr_domain_stats(dom, &st);
	bound = 2 * ((uint64_t)st.threshold + st.slots);
	if (pending > max_pending)
		max_pending = pending;
	if (bound > max_bound)
		max_bound = bound;
	if (pending > bound && bound_fails++ < 5)
		fprintf(stderr, "memory bound: %llu pending > 2 * (%u + %u)\n",
			(unsigned long long)pending, st.threshold, st.slots);
}

static void tobj_reclaim(struct hazptr_obj *obj)
{
	struct tobj *o = (struct tobj *)((char *)obj - offsetof(struct tobj, hp));

	if (n_retired - n_reclaimed > max_pending)
		check_bound();		/* the peak is at the start of a pass */
	atomic_store_explicit(&o->age, 2, memory_order_relaxed);
	o->grave_next = grave;
	grave = o;
	n_reclaimed++;
}

/* Bump every reclaimed object's age; poison and free the oldest. */
static void grave_bump(bool all)
{
	struct tobj **pp = &grave, *o;

	while ((o = *pp)) {
		int age = atomic_load_explicit(&o->age, memory_order_relaxed) + 1;

		if (all || age >= 2 + GRAVE_LEN) {
			*pp = o->grave_next;
			atomic_store_explicit(&o->age, AGE_POISON, memory_order_relaxed);
			free(o);
			n_freed++;
			continue;
		}
		atomic_store_explicit(&o->age, age, memory_order_relaxed);
		pp = &o->grave_next;
	}
}

static struct tobj *tobj_new(uint64_t seq)
{
	struct tobj *o = calloc(1, sizeof(*o));

	if (!o)
		DIE("out of memory");
	atomic_init(&o->age, 0);
	o->seq = seq;
	return o;
}

/* Destroy the cohort: everything retired so far must be reclaimed when it
 * returns (every retire went into it).  Then start a new one. */
static void cohort_cycle(void)
{
	int rc = hazptr_cohort_destroy(coh);

	if (rc != 0 || n_reclaimed != n_retired) {
		if (cohort_fails++ < 5)
			fprintf(stderr, "cohort destroy: rc %d, retired %llu reclaimed %llu\n",
				rc, (unsigned long long)n_retired,
				(unsigned long long)n_reclaimed);
	}
	cohorts_done++;
	coh = hazptr_cohort_create(dom);
	if (!coh)
		DIE("hazptr_cohort_create: %s", strerror(errno));
}

static void *writer(void *arg)
{
	(void)arg;
	/* Own a record, as every retiring thread should (see the bound). */
	if (!hazptr_rec_get(dom))
		DIE("hazptr_rec_get: %s", strerror(errno));
	while (!atomic_load_explicit(&writer_stop, memory_order_relaxed)) {
		struct tobj *o = tobj_new(++n_updates), *old;

		/* Release: publishes *o; pairs with the acquire re-load in
		 * hazptr_protect().  [pair:hp-src-publish] */
		old = atomic_exchange_explicit(&cur, o, memory_order_acq_rel);
		atomic_store_explicit(&old->age, 1, memory_order_relaxed);
		n_retired++;
		if (busted)
			tobj_reclaim(&old->hp);
		else if (use_cohort)
			hazptr_cohort_retire(coh, &old->hp, old, tobj_reclaim);
		else
			hazptr_retire(dom, &old->hp, old, tobj_reclaim);
		check_bound();
		if (use_cohort && (n_updates & 1023) == 0)
			cohort_cycle();
		grave_bump(false);
		if ((n_updates & 63) == 0)
			sched_yield();	/* let readers run on 2 CPUs */
	}
	return NULL;
}

static bool many;	/* --many: readers use hazptr_protect_many() */
static bool use_hold;	/* --hold: looping readers use hazptr_hold_protect() */

static int read_once(struct hazptr_rec *r, unsigned int slot, uint64_t *seed, bool delays)
{
	struct tobj *p, *p0 = NULL;
	struct hazptr_hold hold = { NULL };
	int age, age2;

	if (use_hold && delays) {
		/* A per-CPU slot claimed through rseq (or the fallback). */
		p = hazptr_hold_protect(dom, &hold, (void *_Atomic const *)&cur);
	} else if (many && slot + 1 < HAZPTR_NR_SLOTS) {
		/* Two protections of `cur` in one call; both are checked. */
		void *_Atomic const *srcs[2] = { (void *_Atomic const *)&cur,
						 (void *_Atomic const *)&cur };
		void *out[2];

		hazptr_protect_many(r, slot, 2, srcs, out);
		p0 = out[0];
		p = out[1];
	} else {
		p = HAZPTR_PROTECT(r, slot, &cur);
	}
	age = atomic_load_explicit(&p->age, memory_order_relaxed);

	if (delays) {
		uint64_t x = t_rand(seed);

		if ((x & 1023) == 0) {			/* ~0.1%: spin up to ~4k */
			for (unsigned int i = (x >> 20) & 4095; i; i--)
				t_cpu_relax();
		} else if ((x & 0x3ffff) == 1) {	/* rarely: sleep <= 1 ms */
			t_sleep_us((unsigned int)((x >> 40) % 1000));
		}
	}
	age2 = atomic_load_explicit(&p->age, memory_order_relaxed);
	if (p0) {
		int a0 = atomic_load_explicit(&p0->age, memory_order_relaxed);

		hazptr_clear(r, slot + 1);	/* the caller clears `slot` */
		if (a0 > age2 || a0 < 0)
			age2 = a0;
	}
	hazptr_hold_clear(&hold);
	return age2 > age || age2 < 0 ? age2 : age;
}

/* ---- signal-handler reader ---- */

static _Thread_local struct hazptr_rec *sig_rec;
static _Thread_local uint64_t sig_seed = 88172645463325252ull;

static void on_sigusr1(int sig)
{
	int saved = errno, age;

	(void)sig;
	if (!sig_rec)
		return;
	age = read_once(sig_rec, 0, &sig_seed, false);
	hazptr_clear(sig_rec, 0);
	atomic_fetch_add_explicit(&shared_hist[bucket(age)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&total_reads, 1, memory_order_relaxed);
	errno = saved;
}

static void *reader(void *arg)
{
	struct reader *rd = arg;
	struct hazptr_rec *r = hazptr_rec_get(dom);
	uint64_t batch = 0;

	sig_rec = hazptr_rec_alloc(dom);
	if (!r || !sig_rec)
		DIE("reader registration: %s", strerror(errno));
	atomic_store(&rd->ready, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int age = read_once(r, 0, &rd->seed, true);

		hazptr_clear(r, 0);
		rd->hist[bucket(age)]++;
		rd->reads++;
		if (++batch == 1024) {
			if (atomic_fetch_add_explicit(&total_reads, batch, memory_order_relaxed) +
			    batch >= target_reads && t_now_ns() - t_start >= min_ns)
				atomic_store(&stop, 1);
			batch = 0;
		}
	}
	atomic_fetch_add(&total_reads, batch);
	while (!atomic_load(&signaler_done))
		t_sleep_us(100);
	hazptr_rec_free(sig_rec);
	sig_rec = NULL;
	return NULL;
}

static struct reader *readers;
static unsigned int nreaders = 2;
static uint64_t n_signals;

static void *signaler(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (unsigned int i = 0; i < nreaders; i++)
			if (pthread_kill(readers[i].tid, SIGUSR1) == 0)
				n_signals++;
		t_sleep_us(200);
	}
	atomic_store(&signaler_done, 1);
	return NULL;
}

/* ---- threads that come and go ---- */

static void *short_reader(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	struct hazptr_rec *r = hazptr_rec_get(dom);
	uint64_t hist[NBUCKETS] = { 0 };
	unsigned int n = 2000;

	if (!r)
		DIE("hazptr_rec_get: %s", strerror(errno));
	for (unsigned int i = 0; i < n; i++) {
		hist[bucket(read_once(r, 0, &seed, false))]++;
		hazptr_clear(r, 0);
	}
	if ((uintptr_t)arg & 1)
		(void)HAZPTR_PROTECT(r, 0, &cur);	/* exit protected */
	for (int b = 0; b < NBUCKETS; b++)
		atomic_fetch_add(&shared_hist[b], hist[b]);
	atomic_fetch_add(&total_reads, n);
	return NULL;
}

static uint64_t n_churned;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		pthread_t t;

		t_create(&t, short_reader, (void *)(uintptr_t)n_churned++);
		t_join(t);
	}
	return NULL;
}

/* ---- main ---- */

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--reads N] [--min-seconds S] [--readers N] [--seconds MAX]\n"
		"          [--seed S] [--delay-us D] [--many] [--hold] [--cohort]\n"
		"          [--busted]\n"
		"  --reads N        stop after N reads in total (default 10000000)\n"
		"  --min-seconds S  but run at least S seconds (default 0)\n"
		"  --readers N      looping reader threads (default 2)\n"
		"  --seconds S      fail if the reads take longer than S (default 240)\n"
		"  --seed S         reader seeds (default 1)\n"
		"  --delay-us D     hazptr_domain_set_delay(D us): time-triggered passes\n"
		"  --many           readers protect through hazptr_protect_many()\n"
		"  --hold           looping readers use holds (per-CPU slots via rseq)\n"
		"  --cohort         retire into a cohort, destroyed every 1024 updates\n"
		"  --busted         reclaim at once instead of retiring: must FAIL\n", argv0);
	exit(2);
}

static uint64_t parse_u64(const char *argv0, const char *opt, const char *v)
{
	char *end;
	unsigned long long x;

	if (!v)
		usage(argv0);
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end || end == v) {
		fprintf(stderr, "%s: bad value '%s' for %s\n", argv0, v, opt);
		usage(argv0);
	}
	return x;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, max_s = 240, hist[NBUCKETS] = { 0 }, bad = 0, t0, ns;
	uint64_t delay_us = 0;
	bool delay_set = false;
	pthread_t wt, st, ct;
	struct sigaction sa;
	struct hazptr_stats hs;
	int ok = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reads"))
			target_reads = parse_u64(argv[0], argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--readers"))
			nreaders = (unsigned int)parse_u64(argv[0], argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--seconds"))
			max_s = parse_u64(argv[0], argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--seed"))
			seed = parse_u64(argv[0], argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--min-seconds"))
			min_ns = parse_u64(argv[0], argv[i], argv[i + 1]) * 1000000000ull, i++;
		else if (!strcmp(argv[i], "--delay-us"))
			delay_us = parse_u64(argv[0], argv[i], argv[i + 1]), i++, delay_set = true;
		else if (!strcmp(argv[i], "--many"))
			many = true;
		else if (!strcmp(argv[i], "--hold"))
			use_hold = true;
		else if (!strcmp(argv[i], "--cohort"))
			use_cohort = true;
		else if (!strcmp(argv[i], "--busted"))
			busted = true;
		else
			usage(argv[0]);
	}
	if (nreaders < 1 || nreaders > 64)
		usage(argv[0]);
	dom = hazptr_domain_create(0);
	if (dom && delay_set)
		hazptr_domain_set_delay(dom, delay_us * 1000);
	if (!dom)
		DIE("hazptr_domain_create: %s", strerror(errno));
	if (use_cohort && !(coh = hazptr_cohort_create(dom)))
		DIE("hazptr_cohort_create: %s", strerror(errno));
	printf("hazptr torture: reads=%llu min_seconds=%llu readers=%u max_seconds=%llu "
	       "seed=%llu fence=%s hold=%s slots=%d scan_base=%d scan_mult=%d san=%s%s\n",
	       (unsigned long long)target_reads, (unsigned long long)(min_ns / 1000000000ull),
	       nreaders, (unsigned long long)max_s,
	       (unsigned long long)seed, hazptr_fence_name(hazptr_domain_fence(dom)),
	       use_hold ? hazptr_hold_mode() : "off",
	       HAZPTR_NR_SLOTS, HAZPTR_SCAN_BASE, HAZPTR_SCAN_MULT,
	       t_sanitized() ? getenv("SAN") : "none", busted ? " BUSTED" : "");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		DIE("sigaction: %s", strerror(errno));

	atomic_store(&cur, tobj_new(0));
	readers = calloc(nreaders, sizeof(*readers));
	if (!readers)
		DIE("out of memory");
	t0 = t_start = t_now_ns();
	t_create(&wt, writer, NULL);
	for (unsigned int i = 0; i < nreaders; i++) {
		readers[i].seed = seed * 0x9e3779b97f4a7c15ull + i + 1;
		t_create(&readers[i].tid, reader, &readers[i]);
	}
	for (unsigned int i = 0; i < nreaders; i++)
		while (!atomic_load(&readers[i].ready))
			t_sleep_us(100);
	t_create(&st, signaler, NULL);
	t_create(&ct, churn, NULL);

	while (!atomic_load(&stop)) {
		t_sleep_us(10000);
		if (t_now_ns() - t0 > max_s * 1000000000ull) {
			fprintf(stderr, "time limit: only %llu reads in %llu s\n",
				(unsigned long long)atomic_load(&total_reads),
				(unsigned long long)max_s);
			ok = 0;
			atomic_store(&stop, 1);
		}
	}
	t_join(st);
	t_join(ct);
	for (unsigned int i = 0; i < nreaders; i++)
		t_join(readers[i].tid);
	atomic_store(&writer_stop, 1);
	t_join(wt);
	ns = t_now_ns() - t0;

	/* Everything retired must come back once nobody protects anything. */
	if (use_cohort) {
		cohort_cycle();
		if (hazptr_cohort_destroy(coh) != 0)
			ok = 0;
		printf("cohorts destroyed %llu, failures %llu\n",
		       (unsigned long long)cohorts_done, (unsigned long long)cohort_fails);
		if (cohort_fails)
			ok = 0;
	}
	if (hazptr_cleanup(dom) != 0)
		ok = 0;
	hazptr_domain_stats(dom, &hs);
	grave_bump(true);
	free(atomic_load(&cur));
	if (n_reclaimed != n_retired || hs.pending != 0 || n_freed != n_retired) {
		fprintf(stderr, "leak: retired %llu reclaimed %llu freed %llu pending %llu\n",
			(unsigned long long)n_retired, (unsigned long long)n_reclaimed,
			(unsigned long long)n_freed, (unsigned long long)hs.pending);
		ok = 0;
	}
	if (hazptr_domain_destroy(dom) != 0) {
		fprintf(stderr, "hazptr_domain_destroy failed\n");
		ok = 0;
	}

	for (int b = 0; b < NBUCKETS; b++) {
		hist[b] = atomic_load(&shared_hist[b]);
		for (unsigned int i = 0; i < nreaders; i++)
			hist[b] += readers[i].hist[b];
		if (b >= 2)
			bad += hist[b];
	}
	printf("reads %llu in %.2f s (%.1f ns/read/thread), updates %llu, passes %llu, "
	       "signals %llu, threads churned %llu\n",
	       (unsigned long long)atomic_load(&total_reads), ns / 1e9,
	       ns * (double)nreaders / (double)(atomic_load(&total_reads) + 1),
	       (unsigned long long)n_updates, (unsigned long long)hs.scans,
	       (unsigned long long)n_signals, (unsigned long long)n_churned);
	printf("age histogram:");
	for (int b = 0; b < NBUCKETS; b++)
		printf(" %s%d:%llu", b == NBUCKETS - 1 ? ">=" : "", b, (unsigned long long)hist[b]);
	printf("\nviolations (age > 1): %llu\n", (unsigned long long)bad);
	printf("memory: max pending %llu, bound 2*(threshold+slots) up to %llu, "
	       "bound failures %llu; threshold %u, slots %u\n",
	       (unsigned long long)max_pending, (unsigned long long)max_bound,
	       (unsigned long long)bound_fails, hs.threshold, hs.slots);
	if (bad || bound_fails || atomic_load(&total_reads) < target_reads)
		ok = 0;
	printf("End of test: %s\n", ok ? "SUCCESS" : "FAILURE");
	free(readers);
	return ok ? 0 : 1;
}
