/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cache-race.c - hunt races between hazptr_retire()'s per-record cache and
 * hazptr_cleanup()'s steal of it (the rt_busy/rt_steal handshake,
 * [pair:hp-retire-cache] in lib/hazptr/hazptr-internal.h).
 *
 * Each round, RETIRERS threads retire every object of their share of a
 * pool as fast as they can while the main thread calls hazptr_cleanup()
 * in a loop, so steals land on owners that are pushing onto their caches.
 * No object is ever protected: each must be reclaimed exactly once.  After
 * the retirers exit and a last cleanup, every object's reclaim count must
 * be 1: 2 or more is a chain taken by both sides (the store-buffering
 * outcome the handshake forbids), 0 an object lost by cleanup.
 *
 *   --fence-domain   a HAZPTR_DOMAIN_FENCE domain: its readers fence for
 *                    themselves, but the cache handshake stays asymmetric
 *                    (membarrier) where the process has membarrier
 *   --seconds S      keep starting rounds for S seconds (at least one)
 *   --objects N      objects per retirer per round
 *
 * A chain taken by both sides can also close a cycle in a retired list, and
 * a pass then walks it for ever: a watchdog thread ends the test (as a
 * failure, or as the sighting a mutant wants) when a round runs longer
 * than ROUND_LIMIT_S; a correct round takes milliseconds.
 *
 * Two mutants, each linked with its own copy of the library, pass only if
 * they see an object reclaimed twice or never, or a round that never ends,
 * which shows the test can fail:
 *   hazptr-cache-race-broken      lib-nohandshake.c: the owner takes no
 *                                 part in the handshake
 *   hazptr-cache-race-stealfence  lib-stealfence.c: the stealer issues the
 *                                 domain's reader fence instead of
 *                                 d->cache_fence (run with --fence-domain:
 *                                 a seq_cst fence against an owner that
 *                                 relies on membarrier)
 */
#include "common.h"

#ifdef CACHE_RACE_BROKEN
#define EXPECT_BAD 1
#else
#define EXPECT_BAD 0
#endif
#define RETIRERS 2
#define MAX_ROUNDS 100000
#define ROUND_LIMIT_S 60

struct obj {
	struct hazptr_obj hp;
	_Atomic int reclaims;
};

struct share {
	struct hazptr_domain *d;
	struct obj *objs;
	long n;
};

static _Atomic int running;
static _Atomic uint64_t round_start_ns;	/* 0: between rounds */
static _Atomic long round_no;

/* Ends the process if a round outlives ROUND_LIMIT_S (see above). */
static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t t0 = atomic_load(&round_start_ns);

		if (t0 && t_now_ns() - t0 > ROUND_LIMIT_S * 1000000000ull) {
			printf("round %ld did not end in %d s: a pass is walking a retired "
			       "chain with a cycle (a cache taken by both sides)\n",
			       atomic_load(&round_no), ROUND_LIMIT_S);
			printf(EXPECT_BAD ? "the mutant's race was seen, as it must be\n"
					    "End of test: SUCCESS\n"
					  : "End of test: FAILURE\n");
			fflush(stdout);
			_exit(EXPECT_BAD ? 0 : 1);
		}
		t_sleep_us(100000);
	}
	return NULL;
}

static void obj_reclaim(struct hazptr_obj *h)
{
	struct obj *o = (struct obj *)h;

	/* Relaxed: the counts are read after the joins and the last cleanup. */
	atomic_fetch_add_explicit(&o->reclaims, 1, memory_order_relaxed);
}

static void *retirer(void *arg)
{
	struct share *s = arg;

	for (long i = 0; i < s->n; i++)
		hazptr_retire(s->d, &s->objs[i].hp, &s->objs[i], obj_reclaim);
	atomic_fetch_sub_explicit(&running, 1, memory_order_release);
	return NULL;		/* exit hands the rest to the domain */
}

static long parse_pos(const char *opt, const char *v, long max)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < 1 || x > max) {
		fprintf(stderr, "hazptr-cache-race: %s wants an integer 1..%ld, got '%s'\n",
			opt, max, v);
		exit(2);
	}
	return x;
}

int main(int argc, char **argv)
{
	long seconds = 3, per = 100000, rounds = 0, cleanups = 0, twice = 0, never = 0;
	unsigned int flags = 0;
	struct hazptr_domain *d;
	uint64_t deadline;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fence-domain")) {
			flags = HAZPTR_DOMAIN_FENCE;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = parse_pos("--seconds", argv[++i], 3600);
		} else if (!strcmp(argv[i], "--objects") && i + 1 < argc) {
			per = parse_pos("--objects", argv[++i], 10000000);
		} else {
			fprintf(stderr, "hazptr-cache-race: unknown or incomplete option '%s'\n"
				"usage: %s [--fence-domain] [--seconds S] [--objects N]\n",
				argv[i], argv[0]);
			return 2;
		}
	}
	if (t_sanitized() && per > 20000)
		per = 20000;
	d = hazptr_domain_create(flags);
	if (!d)
		DIE("hazptr_domain_create: %s", strerror(errno));
	printf("hazptr cache race: reader fence %s, process fence %s, %d retirers, "
	       "%ld objects each per round, %ld s, mutant %d\n",
	       hazptr_fence_name(hazptr_domain_fence(d)),
	       hazptr_fence_name(hazptr_fence_mode()), RETIRERS, per, seconds, EXPECT_BAD);
	deadline = t_now_ns() + (uint64_t)seconds * 1000000000u;
	{
		pthread_t w;

		t_create(&w, watchdog, NULL);
		pthread_detach(w);
	}
	do {
		struct obj *pool = calloc((size_t)(RETIRERS * per), sizeof(*pool));
		struct share sh[RETIRERS];
		pthread_t t[RETIRERS];

		if (!pool)
			DIE("out of memory");
		atomic_store(&running, RETIRERS);
		atomic_store(&round_no, rounds + 1);
		atomic_store(&round_start_ns, t_now_ns());
		for (int k = 0; k < RETIRERS; k++) {
			sh[k] = (struct share){ d, pool + k * per, per };
			t_create(&t[k], retirer, &sh[k]);
		}
		/* Steal while they push.  Bounded: the retirers end on their own. */
		while (atomic_load_explicit(&running, memory_order_acquire) > 0) {
			CHECK_EQ(hazptr_cleanup(d), 0);
			cleanups++;
		}
		for (int k = 0; k < RETIRERS; k++)
			t_join(t[k]);
		CHECK_EQ(hazptr_cleanup(d), 0);
		for (long i = 0; i < RETIRERS * per; i++) {
			int c = atomic_load_explicit(&pool[i].reclaims, memory_order_relaxed);

			twice += c > 1;
			never += c == 0;
		}
		atomic_store(&round_start_ns, 0);
		free(pool);
		rounds++;
	} while (!(EXPECT_BAD && (twice || never)) && rounds < MAX_ROUNDS &&
		 t_now_ns() < deadline);
	printf("%ld rounds, %ld cleanups during retires: %ld objects reclaimed twice "
	       "or more, %ld never\n", rounds, cleanups, twice, never);
	CHECK_EQ(hazptr_domain_destroy(d), 0);
	if (EXPECT_BAD) {
		if (twice || never) {
			printf("the mutant's race was seen, as it must be\n"
			       "End of test: SUCCESS\n");
			return 0;
		}
		printf("the mutant's race was never seen\nEnd of test: FAILURE\n");
		return 1;
	}
	CHECK_EQ(twice, 0);
	CHECK_EQ(never, 0);
	return t_report("hazptr-cache-race");
}
