/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sb.c - store-buffering stress of the protect/scan handshake.
 *
 *   SB+hazptr   Result: Never (with the library's fences)
 *     reader R                         scanner S
 *       slot = X                         src = NULL
 *       reader fence [pair:hp-publish]   heavy fence [pair:hp-publish]
 *       r1 = src                         r2 = slot
 *   Forbidden: r1 == X && r2 != X: the reader goes on using X, which the
 *   scanner believes unprotected and would free.
 *
 * Two variants run in lock-step rounds, with a random skew of a few dozen
 * pause instructions on each side so that the two critical windows overlap.
 * Before each round the scanner reads the reader's slot (so the reader's
 * store misses and waits in its store buffer) and the reader reads src (so
 * its re-load hits): the widest window for the reordering.
 *   hp    hazptr_try_protect() against src; hazptr_scan()
 *   pcpu  hazptr_pcpu_try_protect() + the caller's full fence + load of
 *         src (as mmgrab_lazy_tlb() would); hazptr_pcpu_scan()
 *
 * Built normally, no round may show the forbidden outcome.  Built with
 * SB_BROKEN_READER (sb-broken.c) the reader is this file's own
 * broken_try_protect() -- relaxed store, compiler barrier, relaxed re-load,
 * no fence -- against a HAZPTR_DOMAIN_FENCE domain (so the scanner does not
 * call membarrier, which would fence the reader after all), and the pcpu
 * caller omits its fence: the test passes only if the forbidden outcome IS
 * observed within the iteration bound.  This shows the test can fail.  The
 * library itself is the ordinary one: nothing in hazptr.h serves the test.
 */
#include "common.h"

#ifdef SB_BROKEN_READER
#define EXPECT_FORBIDDEN 1
#else
#define EXPECT_FORBIDDEN 0
#endif
#define MIN_ROUNDS 20000	/* run at least this many, whatever the time */

enum variant { V_HP, V_PCPU };

static struct hazptr_domain *dom;
static struct hazptr_pcpu_domain *pdom;
static void *_Atomic src;
static int X;				/* the object */
static _Atomic unsigned int phase;	/* barrier: generation counter */
static _Atomic unsigned int arrived;
static uint64_t deadline_ns;		/* stop starting chunks after this */

/* Two-thread spin barrier; yields when the machine is busy. */
static void barrier(void)
{
	unsigned int gen = atomic_load_explicit(&phase, memory_order_acquire);
	unsigned int spins = 0;

	if (atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel) == 1) {
		atomic_store_explicit(&arrived, 0, memory_order_relaxed);
		atomic_store_explicit(&phase, gen + 1, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&phase, memory_order_acquire) == gen) {
		if (++spins > 256)
			sched_yield();
		else
			t_cpu_relax();
	}
}

/* Pause instructions, exclusive bound.  Unless --skew fixes it, each chunk
 * of rounds uses the next range: the best one depends on the compiler's
 * fence (gcc: `lock or`; clang: `mfence`) and on the machine. */
static const unsigned int skew_ranges[] = { 48, 128, 256, 512 };
static unsigned int skew_max, skew_fixed;

static void skew(uint64_t *seed)
{
	for (unsigned int n = (unsigned int)(t_rand(seed) % skew_max); n; n--)
		t_cpu_relax();
}

/* The pcpu caller's fence (mmgrab_lazy_tlb()'s smp_mb()). */
static void caller_fence(void)
{
#if defined(SB_BROKEN_READER)
	atomic_signal_fence(memory_order_seq_cst);
#elif HAZPTR_TSAN_
	static _Thread_local _Atomic int w;

	atomic_fetch_add_explicit(&w, 1, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/*
 * hazptr_try_protect() with its ordering removed (broken build only):
 * relaxed store -- a release store takes a lock under ThreadSanitizer, which
 * would fence the reader after all -- compiler barrier, relaxed re-load.
 * It writes the record's public slot as the inline fast path does.
 */
static bool broken_try_protect(struct hazptr_rec *r, void **ptr, void *_Atomic const *from)
{
	void *p = *ptr, *q;

	atomic_store_explicit(&hazptr_rec_(r)->hp_slot[0], p, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	q = atomic_load_explicit(from, memory_order_relaxed);
	*ptr = q;
	if (p == q)
		return true;
	atomic_store_explicit(&hazptr_rec_(r)->hp_slot[0], NULL, memory_order_relaxed);
	return false;
}

struct shared {
	enum variant v;
	uint64_t iters;			/* at most; the scanner may stop earlier */
	_Atomic int go;			/* set by the scanner before each round */
	unsigned char *r1;		/* reader saw X (per round) */
	unsigned char *r2;		/* scanner saw X */
};

/* Reader and scanner on different CPUs: on a busy machine the scheduler
 * would otherwise run them by turns on one, and nothing can reorder. */
static void pin_to(unsigned int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)n, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *reader(void *arg)
{
	struct shared *sh = arg;
	struct hazptr_rec *r = hazptr_rec_get(dom);
	uint64_t seed = 0x1234567;

	pin_to(0);

	for (uint64_t i = 0; i < sh->iters; i++) {
		barrier();			/* src == X, slot empty */
		if (!atomic_load_explicit(&sh->go, memory_order_relaxed))
			break;			/* the scanner ran out of time */
		/* Have src in this CPU's cache: the re-load then hits. */
		(void)atomic_load_explicit(&src, memory_order_relaxed);
		skew(&seed);
		if (sh->v == V_HP) {
			void *p = &X;

			sh->r1[i] = EXPECT_FORBIDDEN ? broken_try_protect(r, &p, &src)
						     : hazptr_try_protect(r, 0, &p, &src);
			barrier();		/* scanner done */
			hazptr_clear(r, 0);
		} else {
			struct hazptr_pcpu_slot *s = hazptr_pcpu_try_protect(pdom, 0, &X);

			caller_fence();
			sh->r1[i] = atomic_load_explicit(&src, memory_order_relaxed) == &X;
			barrier();
			hazptr_pcpu_clear(s, &X);
		}
		barrier();			/* slot clear before next round */
	}
	return NULL;
}

static uint64_t hard_deadline_ns;	/* stop even inside a chunk */

/* Returns the number of rounds run. */
static uint64_t scanner(struct shared *sh)
{
	uint64_t seed = 0x7654321;

	for (uint64_t i = 0; i < sh->iters; i++) {
		if ((i & 255) == 255 && t_now_ns() > hard_deadline_ns) {
			atomic_store_explicit(&sh->go, 0, memory_order_relaxed);
			barrier();	/* the reader reads go = 0 and leaves */
			return i;
		}
		/* Pull the reader's slot line into this CPU's cache, so that
		 * the reader's store must wait for it (in its store buffer). */
		if (sh->v == V_HP)
			(void)hazptr_scan(dom, &X, NULL, NULL);
		else
			(void)hazptr_pcpu_load(pdom, 0, 0);
		atomic_store_explicit(&src, &X, memory_order_relaxed);
		barrier();
		skew(&seed);
		atomic_store_explicit(&src, NULL, memory_order_relaxed);
		if (sh->v == V_HP)
			sh->r2[i] = hazptr_scan(dom, &X, NULL, NULL) > 0;
		else
			sh->r2[i] = hazptr_pcpu_scan(pdom, &X, NULL, NULL) > 0;
		barrier();
		barrier();
	}
	return sh->iters;
}

/* Run one variant for up to `iters` rounds (stopping at the first
 * forbidden outcome when one is expected); returns forbidden rounds. */
static uint64_t run(enum variant v, uint64_t iters, uint64_t *done)
{
	struct shared sh = { .v = v };
	uint64_t chunk = 20000, forbidden = 0, both = 0, neither = 0, ran;
	pthread_t t;

	sh.r1 = malloc(chunk);
	sh.r2 = malloc(chunk);
	if (!sh.r1 || !sh.r2)
		DIE("out of memory");
	pin_to(1);	/* this thread scans */
	*done = 0;
	while (*done < iters && !(EXPECT_FORBIDDEN && forbidden) &&
	       (*done < MIN_ROUNDS || t_now_ns() < deadline_ns)) {
		sh.iters = chunk < iters - *done ? chunk : iters - *done;
		skew_max = skew_fixed ? skew_fixed :
			   skew_ranges[(*done / chunk) % (sizeof(skew_ranges) / sizeof(skew_ranges[0]))];
		atomic_store(&sh.go, 1);
		t_create(&t, reader, &sh);
		ran = scanner(&sh);
		t_join(t);
		sh.iters = ran;
		for (uint64_t i = 0; i < sh.iters; i++) {
			forbidden += sh.r1[i] && !sh.r2[i];
			both += sh.r1[i] && sh.r2[i];
			neither += !sh.r1[i] && !sh.r2[i];
		}
		*done += sh.iters;
		if (t_now_ns() > hard_deadline_ns)
			break;
	}
	printf("%-5s rounds %llu: forbidden (r1=X, r2!=X) %llu, both saw X %llu, "
	       "neither %llu, scanner only %llu\n", v == V_HP ? "hp" : "pcpu",
	       (unsigned long long)*done, (unsigned long long)forbidden,
	       (unsigned long long)both, (unsigned long long)neither,
	       (unsigned long long)(*done - forbidden - both - neither));
	/* "Scanner only" and "forbidden" need the two sides to overlap; run
	 * strictly by turns, a round gives "both" or "neither". */
	if (*done - both - neither == 0)
		printf("%-5s no round overlapped: the two threads never ran at the "
		       "same time (machine overloaded?)\n", v == V_HP ? "hp" : "pcpu");
	free(sh.r1);
	free(sh.r2);
	return forbidden;
}

int main(int argc, char **argv)
{
	uint64_t iters = EXPECT_FORBIDDEN ? 4000000 : 200000, seconds = 10, done, f_hp, f_pcpu;
	int ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--skew") && i + 1 < argc)
			skew_fixed = (unsigned int)strtoul(argv[++i], NULL, 0) + 1;
		else
			DIE("usage: %s [--iters N] [--seconds S] [--skew P]\n"
			    "  at most N rounds per variant (at least %d), no new chunk\n"
			    "  of rounds after S seconds per variant, and a fixed random\n"
			    "  skew of 0..P pause instructions (default: rotate ranges)",
			    argv[0], MIN_ROUNDS);
	}
	dom = hazptr_domain_create(EXPECT_FORBIDDEN ? HAZPTR_DOMAIN_FENCE : 0);
	pdom = hazptr_pcpu_domain_create(1, 1);
	if (!dom || !pdom)
		DIE("setup: %s", strerror(errno));
	printf("hazptr SB: fence=%s broken_reader=%d max_rounds=%llu max_seconds=%llu\n",
	       hazptr_fence_name(hazptr_domain_fence(dom)), EXPECT_FORBIDDEN,
	       (unsigned long long)iters, (unsigned long long)seconds);
	/* Per variant: no new chunk after `seconds` unless fewer than
	 * MIN_ROUNDS ran (a busy machine), and nothing at all after twice
	 * that.  In the broken build only hp decides; pcpu is kept short. */
	deadline_ns = t_now_ns() + seconds * 1000000000ull;
	hard_deadline_ns = deadline_ns + seconds * 1000000000ull;
	f_hp = run(V_HP, iters, &done);
	seconds = EXPECT_FORBIDDEN ? 5 : seconds;
	deadline_ns = t_now_ns() + seconds * 1000000000ull;
	hard_deadline_ns = deadline_ns + seconds * 1000000000ull;
	f_pcpu = run(V_PCPU, iters, &done);
	if (EXPECT_FORBIDDEN) {
		/* The hp variant is the library's own handshake: it must show
		 * the bug.  The pcpu one is reported. */
		ok = f_hp > 0;
		printf("broken reader %s the forbidden outcome\n",
		       ok ? "shows" : "did NOT show");
	} else {
		ok = f_hp == 0 && f_pcpu == 0;
	}
	hazptr_pcpu_domain_destroy(pdom);
	hazptr_domain_destroy(dom);
	printf("End of test: %s\n", ok ? "SUCCESS" : "FAILURE");
	return ok ? 0 : 1;
}
