/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c - hazptr-bench: read-side and retire costs of libhazptr against an
 * atomic reference count, ConcurrencyKit's ck_hp and liburcu's memb and qsbr
 * flavors, with the physical limit of the read side beside them: `bare`,
 * the asymmetric-fence slot with no library around it (store, compiler
 * barrier, re-load, clear).  Every read-side figure is also printed as its
 * ratio to bare in the same run.
 *
 * Every (threads, workload) cell runs all implementations back to back, and
 * the whole sweep is repeated --samples times with the implementation order
 * rotated each time: rounds A B C ..., B C ... A, ...  Each cell reports the
 * median sample (bench/common's bc_median()).
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
 *   hold     as protect, through a hold: hazptr_hold_protect() (a slot of
 *            the current CPU claimed with rseq, or the record's fallback
 *            slot; the machine line says which) + hazptr_hold_clear();
 *            bare: its protect loop again, the same limit
 *   cohort   as retire, into one cohort of the domain that every thread
 *            shares (hazptr_cohort_retire(): push on the cohort's list,
 *            passes at the domain's threshold under its lock)
 *
 * Data-structure workloads (ds.h, ds-algo.h; ns per operation per thread,
 * total Mops/s, objects retired, unreclaimed objects at the peak and at the
 * end of the sample; --workloads selects them, the default is the five
 * above):
 *   hash90, hash50    Michael hash map, keys 0..--hash-range (100,000),
 *                     prefilled with half of them; 90% lookups and 5%/5%
 *                     inserts/removes, or 50% inserts / 50% removes
 *   hmlist90, hmlist50  one Harris-Michael list, keys 0..--list-range
 *                     (1,000 by default: a 100,000-key list does about
 *                     1,500 operations per second, docs/hazptr.md)
 *   hash50-stall, hmlist50-stall  as the 50/50 runs, plus one reader
 *                     thread that protects a node (hazard pointers) or
 *                     enters a read section (epochs, RCU) and sleeps
 *                     through the sample
 * Implementations there: bare (no reclamation: the limit), hazptr (both
 * fence modes), ck_hp, ck_epoch, urcu-memb, urcu-qsbr (call_rcu), refcount
 * (a count per node, Valois's SafeRead with Michael and Scott's correction:
 * ds-refcount.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"
#include "../common/list.h"
#include "report.h"
#include "../common/stats.h"

#define MAX_THREAD_COUNTS 16

const char *const hzb_work_name[NWORK] = {
	"protect", "list10", "retire", "hold", "cohort", "hash90", "hash50", "hmlist90", "hmlist50",
	"hash50-stall", "hmlist50-stall",
};

struct options {
	unsigned int threads[MAX_THREAD_COUNTS], nthreads;
	unsigned int samples, impls, works;
	double seconds;
	uint64_t nops;
	bool csv, quick, seconds_set, samples_set;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hazptr-bench [--quick] [--csv] [--seconds S] [--samples N]\n"
		"                    [--threads LIST] [--impls LIST] [--workloads LIST]\n"
		"  --quick           short smoke run (3 samples of 20 ms per cell)\n"
		"  --csv             print impl,threads,workload,ns_per_op rows only\n"
		"  --seconds S       total measuring time, split over all cells (default 30)\n"
		"  --samples N       samples per cell, median reported (default 5, at most %d)\n"
		"  --threads LIST    comma-separated thread counts 1..%d (default 1,2)\n"
		"  --impls LIST      subset of: bare,hazptr-membarrier,hazptr-fence,\n"
		"                    refcount,ck_hp,urcu-memb,urcu-qsbr,ck_epoch (default\n"
		"                    all; bare has no retire row, ck_epoch only\n"
		"                    data-structure rows)\n"
		"  --workloads LIST  subset of: protect,list10,retire,hold,cohort (the\n"
		"                    default),"
		" hash90,hash50,hmlist90,hmlist50,hash50-stall,\n"
		"                    hmlist50-stall, or all\n"
		"  --ops N           data structures: N operations per thread per sample\n"
		"                    instead of a time\n"
		"  --hash-range N    hash map keys 0..N-1, prefill N/2 (default 100000)\n"
		"  --list-range N    list keys 0..N-1, prefill N/2 (default 1000)\n"
		"  --help            this text\n", BC_MAX_SAMPLES, MAX_THREADS);
}

static void bad_usage(const char *fmt, const char *arg)
{
	fputs("hazptr-bench: ", stderr);
	fprintf(stderr, fmt, arg ? arg : "(missing)");
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

/* Split a list option with bench/common's parser; exits 2 on bad input. */
static int split(const char *opt, const char *arg, char **items, int max, char **copy)
{
	const char *err;
	int n;

	if (!arg || !*arg)
		bad_usage("%s needs a comma-separated list", opt);
	n = bc_split_list(arg, items, max, &err);
	if (n < 0) {
		fprintf(stderr, "hazptr-bench: %s '%s': %s\n", opt, arg, err);
		usage(stderr);
		exit(2);
	}
	*copy = items[0];
	return n;
}

/* Parse "a,b,c" of names into a selection mask. */
static unsigned int parse_names(const char *opt, const char *arg,
				const char *name_of(int), int n)
{
	char *items[32], *copy;
	int k = split(opt, arg, items, 32, &copy);
	unsigned int mask = 0;

	for (int j = 0; j < k; j++) {
		int i = 0;

		while (i < n && strcmp(name_of(i), items[j]) != 0)
			i++;
		if (i == n) {
			free(copy);
			bad_usage("unknown name in '%s'", arg);
		}
		mask |= 1u << i;
	}
	free(copy);
	return mask;
}

static const char *impl_name_of(int i) { return hzb_impls[i]->name; }
static const char *work_name_of(int i) { return hzb_work_name[i]; }

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

static void parse_threads(struct options *o, const char *opt, const char *arg)
{
	char *items[MAX_THREAD_COUNTS + 1], *copy;
	int k = split(opt, arg, items, MAX_THREAD_COUNTS + 1, &copy);

	o->nthreads = 0;
	for (int j = 0; j < k; j++) {
		char *end;
		long t = strtol(items[j], &end, 10);

		if (end == items[j] || *end || t < 1 || t > MAX_THREADS ||
		    o->nthreads == MAX_THREAD_COUNTS) {
			free(copy);
			bad_usage("bad thread list '%s' (1..256, at most 16 entries)", arg);
		}
		o->threads[o->nthreads++] = (unsigned int)t;
	}
	free(copy);
}

static void parse_options(struct options *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--csv")) {
			o->csv = true;
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
		} else if (!strcmp(a, "--seconds")) {
			o->seconds = parse_num(a, v, 0.01, 86400), i++, o->seconds_set = true;
		} else if (!strcmp(a, "--samples")) {
			o->samples = (unsigned int)parse_num(a, v, 1, BC_MAX_SAMPLES), i++;
			o->samples_set = true;
		} else if (!strcmp(a, "--impls")) {
			o->impls = parse_names(a, v, impl_name_of, NIMPL), i++;
		} else if (!strcmp(a, "--workloads")) {
			if (v && !strcmp(v, "all"))
				o->works = (1u << NWORK) - 1;
			else
				o->works = parse_names(a, v, work_name_of, NWORK);
			i++;
		} else if (!strcmp(a, "--ops")) {
			o->nops = (uint64_t)parse_num(a, v, 1, 1e12), i++;
		} else if (!strcmp(a, "--hash-range")) {
			hzb_hash_range = (long)parse_num(a, v, 2, 1e8), i++;
		} else if (!strcmp(a, "--list-range")) {
			hzb_list_range = (long)parse_num(a, v, 2, 1e8), i++;
		} else if (!strcmp(a, "--threads")) {
			parse_threads(o, a, v), i++;
		} else {
			bad_usage("unknown option '%s'", a);
		}
	}
	if (o->quick) {
		if (!o->samples_set)
			o->samples = 3;
		if (!o->seconds_set)
			o->seconds = 0;	/* fixed 20 ms samples */
	}
}

static bool selected(const struct options *o, int im, int wl)
{
	return (o->impls >> im & 1) && (o->works >> wl & 1) &&
	       hzb_applies((enum impl)im, (enum workload)wl);
}

int main(int argc, char **argv)
{
	struct options o = {
		.threads = { 1, 2 }, .nthreads = 2, .samples = 5,
		.impls = (1u << NIMPL) - 1, .works = MICRO_MASK, .seconds = 30,
	};
	unsigned int maxthr = 0, ncells = 0, nworkers;
	struct hzb_report rep;
	uint64_t sample_ns;
	double *res;

	parse_options(&o, argc, argv);
	for (unsigned int t = 0; t < o.nthreads; t++)
		if (o.threads[t] > maxthr)
			maxthr = o.threads[t];
	for (int im = 0; im < NIMPL; im++)
		for (int wl = 0; wl < NWORK; wl++)
			ncells += selected(&o, im, wl);
	ncells *= o.nthreads;
	sample_ns = o.seconds > 0 ? (uint64_t)(o.seconds * 1e9 / (ncells * o.samples))
				  : 20000000u;
	if (sample_ns < 1000000)
		sample_ns = 1000000;

	hz_dom[0] = hazptr_domain_create(0);
	hz_dom[1] = hazptr_domain_create(HAZPTR_DOMAIN_FENCE);
	if (!hz_dom[0] || !hz_dom[1]) {
		fprintf(stderr, "hazptr-bench: hazptr_domain_create: %s\n", strerror(errno));
		return 1;
	}
	hzb_hazptr_setup();
	hzb_ck_setup();
	hzb_ck_ds_setup();
	hzb_urcu_setup();
	hzb_ds_setup();
	hzb_urcu_thread_init();		/* the main thread drains urcu */
	hzb_machine_line(o.csv ? stderr : stdout, o.csv ? "# " : "");
	if (hazptr_domain_fence(hz_dom[0]) != HAZPTR_FENCE_MEMBARRIER)
		fprintf(stderr, "hazptr-bench: membarrier unavailable: the "
			"hazptr-membarrier rows use the seq_cst fence\n");

	/* One more thread when a stalled reader is wanted. */
	nworkers = maxthr;
	for (int wl = 0; wl < NWORK; wl++)
		if ((o.works >> wl & 1) && hzb_ds_is_stall((enum workload)wl))
			nworkers = maxthr + 1;
	res = malloc((size_t)NIMPL * NWORK * o.nthreads * o.samples * NCOL * sizeof(*res));
	if (!res || hzb_threads_start(nworkers) != 0)
		return 1;
#define RES(c, im, wl, t, s) res[((((size_t)(c) * NIMPL + (im)) * NWORK + (wl)) * \
				       o.nthreads + (t)) * o.samples + (s)]
	for (size_t i = 0; i < (size_t)NIMPL * NWORK * o.nthreads * o.samples * NCOL; i++)
		res[i] = NAN;
	for (unsigned int s = 0; s < o.samples; s++) {
		fprintf(stderr, "hazptr-bench: sample %u/%u (%.0f ms per cell)\n",
			s + 1, o.samples, sample_ns / 1e6);
		for (unsigned int t = 0; t < o.nthreads; t++)
			for (int wl = 0; wl < NWORK; wl++)
				for (int k = 0; k < NIMPL; k++) {
					int im = (k + (int)s) % NIMPL;	/* rotate the order */
					struct hzb_sample smp;

					if (!selected(&o, im, wl))
						continue;
					hzb_measure((enum impl)im, (enum workload)wl,
						    o.threads[t], sample_ns, o.nops, &smp);
					RES(C_NS, im, wl, t, s) = smp.ns_per_op;
					RES(C_MOPS, im, wl, t, s) = smp.mops;
					RES(C_RETIRED, im, wl, t, s) = smp.retired;
					RES(C_PEAK, im, wl, t, s) = smp.peak;
					RES(C_END, im, wl, t, s) = smp.end;
				}
	}
	if (hzb_sink() == 1)	/* keep the sinks alive */
		fprintf(stderr, "\n");
	hzb_threads_stop();

	rep = (struct hzb_report){ .csv = o.csv, .impls = o.impls,
				   .samples = o.samples, .sample_ns = sample_ns,
				   .ds = (o.works & ~MICRO_MASK) != 0,
				   .micro = (o.works & MICRO_MASK) != 0, .nops = o.nops };
	hzb_report_header(&rep);
	for (unsigned int t = 0; t < o.nthreads; t++)
		for (int wl = 0; wl < NWORK; wl++) {
			double med[NCOL][NIMPL] = { { 0 } };

			if (!(o.works >> wl & 1))
				continue;
			for (int c = 0; c < NCOL; c++)
				for (int im = 0; im < NIMPL; im++)
					if (selected(&o, im, wl))
						med[c][im] = bc_median(&RES(c, im, wl, t, 0),
								       (int)o.samples);
			hzb_report_cell(&rep, o.threads[t], (enum workload)wl, med);
		}
	hzb_report_footer(&rep);

	hzb_hazptr_free();
	hzb_ck_free();
	hzb_urcu_free();
	hazptr_cleanup(hz_dom[0]);
	hazptr_cleanup(hz_dom[1]);
	hazptr_domain_destroy(hz_dom[0]);
	hazptr_domain_destroy(hz_dom[1]);
	free(res);
	return hzb_ds_failed() ? 1 : 0;
}
