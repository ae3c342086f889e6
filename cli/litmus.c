/*
 * litmus.c - store-buffering stress tests of the model's handshakes.
 *
 * The torture test cannot see a missing fence: on x86 the forbidden
 * outcome needs two stores to sit in two store buffers at the same moment.
 * These tests run one handshake of the model, with the model's own
 * functions, in a tight loop on two CPU threads, and check each round's
 * outcome afterwards (litmus style).
 *
 * lazy-return: the tlb_gen Dekker pair of switch_mm_irqs_off().
 *   CPU 1 (lazy on m)                     CPU 0
 *     switch_mm_irqs_off(m, m):             flush_tlb_mm_range(m):
 *       is_lazy = false                       tlb_gen++ (locked)
 *       smp_mb()                              read is_lazy: true -> skip IPI
 *       read tlb_gen
 *   Forbidden: CPU 0 skipped CPU 1 AND CPU 1 kept its old tlb_gen, i.e.
 *   CPU 1 is back in user space with a stale TLB (I4).
 *
 * Two things make the window show up often enough to test for: a random
 * delay on each side every round, and stores by CPU 1, just before its
 * lazy return, to lines CPU 0 has just written: their ownership misses sit
 * ahead of the is_lazy store in CPU 1's store buffer (x86 commits stores
 * in order), so is_lazy = false stays invisible longer.  Measured on the
 * development machine: about 2-5% of rounds without the barrier, none with.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../model/harness.h"

/* The run's state: lm_run()'s argument (lts()), no file-scope state. */
struct lt_state {
	long rounds;
	_Atomic long go;              /* round released */
	_Atomic int arrived;          /* threads done with the round */
	struct mm_struct *mm;
	struct task_struct *a;
	uint64_t new_gen;             /* CPU 0: the flush's generation */
	bool skipped;                 /* CPU 0: it skipped CPU 1 */
	uint64_t seen_gen;            /* CPU 1: its TLB generation after the return */
	/* CPU 1, for the report of a forbidden round: its state before the
	 * return (lazy? m loaded?) and its TLB generation then */
	bool pre_lazy, pre_loaded;
	uint64_t pre_gen;
	uint64_t flush_gen;           /* CPU 0: the generation its flush made */
	long forbidden;
	bool ready;
	/* lines CPU 0 dirties in phase 1 and CPU 1 writes just before its
	 * lazy return: their ownership misses keep CPU 1's is_lazy store in
	 * its store buffer longer, widening the window (it commits in order) */
	struct { _Atomic long v; char pad[LM_CACHELINE - sizeof(long)]; } scratch[6];
	_Atomic int setup_done;
};

static inline struct lt_state *lts(void)
{
	return lm_run_arg();
}

static bool wait_round(long r)
{
	struct lm_wait w = LM_WAIT("litmus round");

	/* Acquire pairs with the release of lts()->go by the CPU that closed the
	 * previous phase [pair:litmus-round]: its judgement and set-up are
	 * seen before this round starts. */
	while (atomic_load_explicit(&lts()->go, memory_order_acquire) < r) {
		/* lt_run()'s time bound ran out (a loaded host): stop at this
		 * round; only judged rounds are counted (go) */
		if (lm_stopping())
			return false;
		lm_irq_poll();
		if (!lm_wait_step(&w))   /* a descheduled partner gets the core */
			return false;
	}
	return true;
}

static void lt_cpu_main(struct lm_cpu *c)
{
	if (c->cpu == 1) {
		/* set up: a user task of a fresh mm; run it, then go lazy on
		 * its mm (published to CPU 0 by setup_done) */
		lts()->mm = lm_new_mm(true);
		lts()->a = lm_task_create(lts()->mm, NULL, NULL, 1);
		atomic_store_explicit(&lts()->a->state, TASK_RUNNING, memory_order_relaxed);
		activate_task_on(lts()->a, 1);
		schedule();
		touch_user_memory(lts()->mm);
		/* [pair:litmus-setup]: lt.mm and lt.a are built before CPU 0 uses them */
		atomic_store_explicit(&lts()->setup_done, 1, memory_order_release);
	}
	{
		struct lm_wait w = LM_WAIT("litmus set-up");

		while (!atomic_load_explicit(&lts()->setup_done, memory_order_acquire))   /* [pair:litmus-setup] */
			if (!lm_wait_step(&w))
				break;
	}
	for (long r = 1; r <= lts()->rounds; r++) {
		/* phase 1: CPU 1 goes lazy (nobody races with it) */
		if (!wait_round(2 * r - 1))
			break;
		if (c->cpu == 1) {
			local_irq_disable();
			enter_lazy_tlb(lts()->mm, current);
			local_irq_enable();
		} else {
			for (int k = 0; k < 6; k++)
				atomic_store_explicit(&lts()->scratch[k].v, r, memory_order_relaxed);
		}
		if (atomic_fetch_add_explicit(&lts()->arrived, 1, memory_order_acq_rel) == 1) {
			atomic_store_explicit(&lts()->arrived, 0, memory_order_relaxed);
			atomic_store_explicit(&lts()->go, 2 * r, memory_order_release);   /* [pair:litmus-round] */
		}
		/* phase 2: the race.  Each side first waits a random few pauses
		 * so that, over the rounds, every relative timing of the two
		 * store->load sequences occurs (litmus7-style jitter). */
		if (!wait_round(2 * r))
			break;
		for (unsigned int d = (unsigned int)(lm_rand(c) % 48); d; d--)
			cpu_relax();
		if (c->cpu == 1) {
			struct cpu_tlbstate *ts = &c->tlbstate;

			local_irq_disable();
			lts()->pre_lazy = atomic_load_explicit(&c->tlbstate_shared.is_lazy, memory_order_relaxed);
			lts()->pre_loaded = atomic_load_explicit(&ts->loaded_mm, memory_order_relaxed) == lts()->mm;
			lts()->pre_gen = ts->ctxs[ts->loaded_mm_asid].tlb_gen;
			for (int k = 0; k < 6; k++)
				atomic_store_explicit(&lts()->scratch[k].v, -r, memory_order_relaxed);
			switch_mm_irqs_off(lts()->mm, lts()->mm, lts()->a);     /* the lazy return */
			lts()->seen_gen = ts->ctxs[ts->loaded_mm_asid].tlb_gen;
			local_irq_enable();
		} else {
			uint64_t skipped0 = c->cnt[0][CNT_FLUSH_SKIPPED_LAZY];

			lts()->flush_gen = atomic_load_explicit(&lts()->mm->tlb_gen, memory_order_relaxed) + 1;
			flush_tlb_mm_range(lts()->mm, false, false);
			lts()->new_gen = atomic_load_explicit(&lts()->mm->tlb_gen, memory_order_relaxed);
			lts()->skipped = c->cnt[0][CNT_FLUSH_SKIPPED_LAZY] != skipped0;
		}
		if (atomic_fetch_add_explicit(&lts()->arrived, 1, memory_order_acq_rel) == 1) {
			/* the last to arrive judges the round and releases the next */
			atomic_store_explicit(&lts()->arrived, 0, memory_order_relaxed);
			if (lts()->skipped && lts()->seen_gen < lts()->new_gen) {
				if (lts()->forbidden++ < 3)
					lm_violation(INV_TLB_GEN, mm_id(lts()->mm), 0,
						     "litmus lazy-return round %ld: flush to gen %llu (mm at gen %llu after it) skipped the lazy CPU, "
						     "which returned at gen %llu (before: lazy %d, m loaded %d, gen %llu)",
						     r, (unsigned long long)lts()->flush_gen,
						     (unsigned long long)lts()->new_gen,
						     (unsigned long long)lts()->seen_gen, lts()->pre_lazy,
						     lts()->pre_loaded, (unsigned long long)lts()->pre_gen);
				else
					atomic_fetch_add_explicit(&lm.violations[INV_TLB_GEN], 1, memory_order_relaxed);
			}
			atomic_store_explicit(&lts()->go, 2 * r + 1, memory_order_release);   /* [pair:litmus-round] */
		}
	}
	if (c->cpu == 1) {
		/* back to user, then exit, so that nothing leaks */
		local_irq_disable();
		switch_mm_irqs_off(lts()->mm, lts()->mm, lts()->a);
		local_irq_enable();
		exit_mm();
		do_task_dead();
	}
	cpu_loop(c);
}

/* The host thread: wait (bounded) for every round to be judged. */
static void lt_run(void *arg)
{
	uint64_t deadline = lm_now_ns() + 120ull * 1000000000ull;

	(void)arg;
	while (atomic_load_explicit(&lts()->go, memory_order_acquire) <= 2 * lts()->rounds &&
	       !lm_aborted() && lm_now_ns() < deadline) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static const struct lm_driver litmus_driver = {
	.name = "litmus",
	.cpu_main = lt_cpu_main,
	.run = lt_run,
};

/* Runs `rounds` rounds, or as many as fit in lt_run()'s 120 s bound on a
 * loaded host; stores the number of rounds judged in *judged (if not NULL)
 * and returns the number of forbidden outcomes, or -1. */
long litmus_lazy_return(const struct lazy_tlb_ops *ops, const char *mutant, long rounds, bool quiet,
			long *judged)
{
	struct lm_config cfg = {
		.nr_cpus = 2, .seed = 1, .ops = ops, .mutant = mutant,
		.flush_mode = FLUSH_IPI, .ipi_mode = IPI_POLL, .pin = true,
		.max_reports = quiet ? -1 : 3,
	};
	struct lt_state *t = NULL;
	long forbidden;
	int v;

	/* aligned: the scratch lines must be whole cache lines */
	if (posix_memalign((void **)&t, LM_CACHELINE, sizeof(*t)) != 0)
		return -1;
	memset(t, 0, sizeof(*t));
	t->rounds = rounds;
	atomic_store_explicit(&t->go, 1, memory_order_release);
	v = lm_run(&cfg, &litmus_driver, t, quiet ? NULL : stdout);
	forbidden = t->forbidden;
	if (judged) {
		/* go is 2r + 1 once round r is judged */
		long done = (atomic_load_explicit(&t->go, memory_order_relaxed) - 1) / 2;

		*judged = done < rounds ? done : rounds;
	}
	free(t);
	if (v < 0)
		return -1;
	if (v && !forbidden)
		return -1;               /* violations of another kind: report as error */
	return forbidden;
}

static void litmus_usage(FILE *out)
{
	fprintf(out,
		"usage: lazymm litmus [--scheme NAME] [--mutant NAME] [--rounds N]\n"
		"  The lazy-return store-buffering test: CPU 1 returns from lazy mode to\n"
		"  its mm while CPU 0 flushes that mm, N rounds (default 300000,\n"
		"  accepted 1000..100000000).  Exit 0 if the forbidden outcome (the\n"
		"  flush skipped CPU 1 and CPU 1 kept a stale TLB) never happened.\n"
		"  The run stops after 120 s even if fewer rounds were judged (a loaded\n"
		"  host) and says so; fewer than 1000 judged rounds give no verdict (1).\n");
}

enum { L_SCHEME, L_MUTANT, L_ROUNDS };

static const struct cli_opt litmus_opts[] = {
	{ "--scheme", NULL, true, L_SCHEME },
	{ "--mutant", NULL, true, L_MUTANT },
	{ "--rounds", NULL, true, L_ROUNDS },
	{ NULL, NULL, false, 0 },
};

struct litmus_args {
	const struct lazy_tlb_ops *ops;
	const char *mutant;
	long rounds;
};

static void litmus_opt(void *st, int id, const char *opt, const char *val)
{
	struct litmus_args *a = st;

	if (id == L_SCHEME)
		a->ops = cli_scheme(&cli_litmus, val);
	else if (id == L_MUTANT)
		a->mutant = val;
	else if (id == L_ROUNDS)
		a->rounds = (long)cli_u64(&cli_litmus, opt, val, 1000, 100000000);
}

static int cmd_litmus(int argc, char **argv)
{
	struct litmus_args a = { lazy_find("tlbstate"), NULL, 300000 };
	long f, judged = 0;

	cli_parse(&cli_litmus, litmus_opts, false, argc, argv, litmus_opt, &a);
	if (a.mutant)
		cli_mutant(&cli_litmus, a.ops, a.mutant);
	f = litmus_lazy_return(a.ops, a.mutant, a.rounds, false, &judged);
	if (f < 0) {
		printf("litmus lazy-return: the run itself failed (see above)\n");
		return EXIT_VIOLATION;
	}
	if (judged < a.rounds)
		printf("litmus lazy-return: the host is loaded: %ld of %ld rounds judged within the 120 s bound\n",
		       judged, a.rounds);
	if (!f && judged < 1000) {
		/* too few rounds for "no forbidden outcome" to mean anything */
		printf("litmus lazy-return: only %ld rounds judged (fewer than 1000): no verdict\nFAILURE\n",
		       judged);
		return EXIT_VIOLATION;
	}
	printf("litmus lazy-return: scheme %s%s%s, %ld rounds, %ld forbidden outcome(s)\n%s\n",
	       a.ops->name, a.mutant ? " mutant " : "", a.mutant ? a.mutant : "", judged, f,
	       f ? "FAILURE" : "SUCCESS");
	return f ? EXIT_VIOLATION : EXIT_OK;
}

const struct cli_cmd cli_litmus = {
	"litmus", "store-buffering stress test of the lazy-return handshake",
	cmd_litmus, litmus_usage,
};
