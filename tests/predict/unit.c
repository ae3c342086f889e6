/*
 * unit.c - the simulator's own tests (run from the repository root):
 *   line      a single contended line against its closed form, both policies
 *   arbitration  the policies on hand-computed scripts
 *   determinism  the same seed gives the same run, bit for bit
 *   conservation every started round trip completed or is in flight
 *   processes    no scheme differs from refcount in processes mode
 *   machine      a bad or incomplete machine file names the field
 *   teardown     the teardown fit (a + bN + cK) reproduces the 4th point
 *   band         the band spans only the parameters the policy reads
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../predict/predict.h"

static int failures;

#define CHECK(cond, ...) do {                                   \
	if (!(cond)) {                                          \
		failures++;                                     \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fputc('\n', stderr);                            \
	}                                                       \
} while (0)

static struct machine load(const char *name)
{
	struct machine m;
	char path[256], err[512];

	snprintf(path, sizeof(path), "predict/machines/%s.conf", name);
	if (machine_load(path, &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	return m;
}

/*
 * n threads, each: an RMW on one line (service S: every transfer costs S,
 * the RMW itself 0), then Z of work.  Deterministic times: the closed
 * system settles into a periodic schedule whose throughput is the
 * asymptotic bound X = min(n / (S + Z), 1 / S), and the queueing delay is
 * 0 below saturation, n*S - (S + Z) above (each waits for the others).
 */
static void test_line(void)
{
	struct machine m = load("epyc9654x2");
	struct sim_point p;
	const double S = 50, Z[] = { 200, 1000 };

	/* the closed form holds whoever is served next (every transfer costs
	 * S; the mean wait follows from Little's law), so for both policies */
	for (int pol = 0; pol < ARB_NR; pol++) {
		sim_point_from(&m, &p);
		for (int d = 0; d < D_NR; d++)
			p.lat[d] = S;
		p.rmw = 0;
		p.arb_near = 0;
		p.arb_policy = (enum arb_policy)pol;
		p.smt_slow = 1;
		for (int zi = 0; zi < 2; zi++)
			for (int n = 1; n <= 64; n *= 2) {
				double x, w, want, wantw;

				p.switch_ns = Z[zi];
				if (sim_one_line(&m, &p, n, 1, 2e6, &x, &w) != 0) {
					CHECK(0, "sim_one_line failed");
					continue;
				}
				want = fmin(n / (S + Z[zi]), 1 / S) * 1e9;
				wantw = fmax(0, n * S - (S + Z[zi]));
				CHECK(fabs(x - want) / want < 0.01, "line %s n=%d Z=%g: %.0f/s, closed form %.0f/s",
				      arb_policy_names[pol], n, Z[zi], x, want);
				CHECK(fabs(w - wantw) <= 0.02 * (S + Z[zi]) + 1,
				      "line %s n=%d Z=%g: mean wait %.1f ns, closed form %.1f ns",
				      arb_policy_names[pol], n, Z[zi], w, wantw);
			}
	}
	/* nearest-first arbitration can only shorten handoffs: with real
	 * distances, arb_near = 1 serves at least as many as FIFO */
	{
		double x0, x1, w;

		sim_point_from(&m, &p);
		p.arb_policy = ARB_NEAR_MIX;
		p.switch_ns = 100;
		p.arb_near = 0;
		sim_one_line(&m, &p, 64, 1, 2e6, &x0, &w);
		p.arb_near = 1;
		sim_one_line(&m, &p, 64, 1, 2e6, &x1, &w);
		CHECK(x1 >= x0, "arb_near 1 (%.0f/s) below FIFO (%.0f/s)", x1, x0);
	}
}

/* One scripted case against the order and completion times worked out by
 * hand (the comments of test_arbitration()). */
static void script(const struct sim_point *p, const char *what, int owner0, int n, const int *hw,
		   const double *t, const int *want_order, const double *want_done)
{
	struct machine m = load("epyc9654x2");
	int order[8];
	double done[8];

	if (sim_line_script(&m, p, owner0, n, hw, t, order, done) != 0) {
		CHECK(0, "%s: sim_line_script failed", what);
		return;
	}
	for (int i = 0; i < n; i++) {
		CHECK(order[i] == want_order[i], "%s: served %d-th: request %d, by hand %d", what, i,
		      order[i], want_order[i]);
		CHECK(fabs(done[i] - want_done[i]) < 1e-9, "%s: request %d done at %.2f ns, by hand %.2f",
		      what, i, done[i], want_done[i]);
	}
}

/*
 * The arbitration policies on hand-computed cases, with epyc9654x2's
 * nominal latencies (self 1, SMT 10, CCX 27, other CCD 99, other socket
 * 192 ns; rmw 5 ns).  Hardware threads: 0 (core 0), 2, 4, 6 (cores 1-3,
 * the same CCX), 16 (core 8: the next CCX of socket 0), 192 (core 96:
 * socket 1).  A hand-off costs lat(owner, next) + 5 from the release.
 */
static void test_arbitration(void)
{
	struct machine m = load("epyc9654x2");
	struct sim_point p;
	/* A: 0 at 0 (the line comes from memory: 1 + 5, done 6), then 192
	 * at 1, 2 at 2, 16 at 3 wait for it. */
	const int a_hw[] = { 0, 192, 2, 16 };
	const double a_t[] = { 0, 1, 2, 3 };
	/* FIFO: 192 (6 + 197 = 203), 2 (203 + 197 = 400), 16 (400 + 104 = 504) */
	const int fifo_order[] = { 0, 1, 2, 3 };
	const double fifo_done[] = { 6, 203, 400, 504 };
	/* nearest: 2 (6 + 32 = 38), 16 (38 + 104 = 142), 192 (142 + 197 = 339) */
	const int near_order[] = { 0, 2, 3, 1 };
	const double near_done[] = { 6, 339, 38, 142 };
	/* timing: 2 asked while the line was in its CCX: it reaches 0 at
	 * 2 + 27/2 = 15.5; 192 and 16 went to the home, 192 first (older): its
	 * probe reaches 0 at max(1, landed 1) + 192/2 = 97.  2 wins (done 38);
	 * then only home requests: 192 (38 + 197 = 235), 16 (235 + 197 = 432). */
	const int tim_a_order[] = { 0, 2, 1, 3 };
	const double tim_a_done[] = { 6, 235, 38, 432 };
	/* B, timing: a local burst that the probe ends.  0 at 0 (done 6,
	 * landed 1); 16 at 2 (home: its probe reaches CCX 0 at
	 * max(2, 1) + 99/2 = 51.5); 2 at 3 (local, arrives 16.5): served at 6,
	 * done 38; 4 at 30 (local, arrives 43.5 <= 51.5): done 70; 6 at 60
	 * (local, arrives 73.5 > 51.5): the probe wins, 16 done 70 + 104 = 174,
	 * and 6's request misses, goes to the home, and is served after:
	 * 174 + 104 = 278.  FIFO would serve 16 second. */
	const int b_hw[] = { 0, 16, 2, 4, 6 };
	const double b_t[] = { 0, 2, 3, 30, 60 };
	const int tim_b_order[] = { 0, 2, 3, 1, 4 };
	const double tim_b_done[] = { 6, 174, 38, 70, 278 };
	int o1[8], o2[8];
	double d1[8], d2[8];

	sim_point_from(&m, &p);
	p.arb_policy = ARB_NEAR_MIX;
	p.arb_near = 0;
	script(&p, "A fifo", -1, 4, a_hw, a_t, fifo_order, fifo_done);
	p.arb_near = 1;
	script(&p, "A nearest", -1, 4, a_hw, a_t, near_order, near_done);
	p.arb_policy = ARB_TIMING;
	p.arb_near = 0.5;                    /* not used by timing */
	script(&p, "A timing", -1, 4, a_hw, a_t, tim_a_order, tim_a_done);
	script(&p, "B timing", -1, 5, b_hw, b_t, tim_b_order, tim_b_done);
	/* bad scripts are refused */
	CHECK(sim_line_script(&m, &p, -1, 2, (const int[]){ 0, 0 }, (const double[]){ 0, 1 }, o1, d1) != 0,
	      "a thread asking twice accepted");
	CHECK(sim_line_script(&m, &p, -1, 2, (const int[]){ 0, 2 }, (const double[]){ 1, 0 }, o1, d1) != 0,
	      "times out of order accepted");
	CHECK(sim_line_script(&m, &p, -1, 1, (const int[]){ m.nr_cpus }, (const double[]){ 0 }, o1, d1) != 0,
	      "a thread beyond the machine accepted");
	/* the timing policy draws nothing: the same script twice, the same run */
	sim_line_script(&m, &p, 192, 5, b_hw, b_t, o1, d1);
	sim_line_script(&m, &p, 192, 5, b_hw, b_t, o2, d2);
	CHECK(!memcmp(o1, o2, 5 * sizeof(int)) && !memcmp(d1, d2, 5 * sizeof(double)),
	      "timing: two runs of one script differ");
}

static struct tmpl_set ts;

static void scheme(const char *name, struct sim_scheme *s)
{
	if (sim_scheme_from(&ts, name, s) != 0) {
		fprintf(stderr, "no templates for %s\n", name);
		exit(2);
	}
}

static void test_sim(void)
{
	struct machine m = load("epyc9654x2");
	struct sim_scheme rc, sch;
	const int tasks[] = { 1, 12, 96, 384 };

	scheme("refcount", &rc);
	for (int i = 0; lazy_schemes[i]; i++) {
		scheme(lazy_schemes[i]->name, &sch);
		for (int t = 0; t < 4; t++)
			for (int md = 0; md < WM_NR; md++) {
				struct sim_cfg c = { .m = &m, .wl = WLP_CS1, .mode = (enum wmode)md,
						     .tasks = tasks[t], .seed = 7, .s = &sch };
				struct sim_result a, b, r;

				sim_point_from(&m, &c.p);
				c.window_ns = sweep_window_ns(&m, WLP_CS1, tasks[t], true, false);
				c.warmup_ns = c.window_ns / 4;
				sim_run(&c, &a);
				sim_run(&c, &b);
				CHECK(a.ops == b.ops && a.events == b.events && a.started == b.started &&
				      !memcmp(a.switches, b.switches, sizeof(a.switches)),
				      "%s t=%d %s: two runs with one seed differ", sch.name, tasks[t],
				      wmode_names[md]);
				CHECK(a.started == a.round_trips + a.in_flight && a.in_flight <= (uint64_t)tasks[t],
				      "%s t=%d %s: %llu started, %llu completed, %llu in flight", sch.name, tasks[t],
				      wmode_names[md], (unsigned long long)a.started,
				      (unsigned long long)a.round_trips, (unsigned long long)a.in_flight);
				CHECK(a.ops > 0, "%s t=%d: no progress", sch.name, tasks[t]);
				/* the mm_count grants by distance account for every mm_count
				 * RMW of the window's switches (the template's count per
				 * switch type); at the window's edges at most the switches
				 * in progress on each thread differ */
				{
					double want = 0, got = 0;

					for (int p = 0; p < TP_NR; p++)
						want += (double)a.switches[p] * floor(sch.rmw_count[p] + 0.5);
					for (int d = 0; d < D_NR; d++)
						got += (double)a.count_grants[d];
					CHECK(fabs(got - want) <= 8.0 * tasks[t] + 0.01 * want,
					      "%s t=%d %s: %.0f mm_count grants, %.0f RMWs in the switches",
					      sch.name, tasks[t], wmode_names[md], got, want);
					CHECK(want > 0 || got == 0, "%s t=%d %s: mm_count grants without RMWs",
					      sch.name, tasks[t], wmode_names[md]);
				}
				if (md == WM_PROCESSES && lazy_safe(lazy_schemes[i])) {
					double sp;

					c.s = &rc;
					sim_run(&c, &r);
					sp = a.ops_per_sec / r.ops_per_sec;
					CHECK(fabs(sp - 1) < 0.01, "processes t=%d: %s/refcount = %.4f, not within 1%%",
					      tasks[t], sch.name, sp);
				}
			}
	}
}

static void bad_machine(const char *text, const char *want)
{
	char path[] = "/tmp/lazymm-machine-XXXXXX", err[512];
	struct machine m;
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	rc = machine_load(path, &m, err, sizeof(err));
	remove(path);
	CHECK(rc == 2 && strstr(err, want), "machine file: rc %d, message '%s', wanted '%s'", rc, err, want);
}

static void test_machine(void)
{
	FILE *f = fopen("predict/machines/epyc9654x2.conf", "r");
	char buf[8192], *p;
	size_t n;

	if (!f) {
		CHECK(0, "no epyc9654x2.conf");
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* drop the lat_ccx line: the error must name it */
	p = strstr(buf, "lat_ccx");
	if (p) {
		char copy[8192];
		char *eol = strchr(p, '\n');

		snprintf(copy, sizeof(copy), "%.*s%s", (int)(p - buf), buf, eol ? eol + 1 : "");
		bad_machine(copy, "'lat_ccx'");
	}
	bad_machine("name = x\nsockets = two\n", "'sockets'");
	bad_machine("name = x\nlat_smt = 5 [6..9]\n", "'lat_smt'");
	bad_machine("name = x\nfrobs = 1\n", "'frobs'");
	bad_machine("name = x\narb_near = 1.5\n", "'arb_near'");
	bad_machine("name = x\narb_policy = lottery\n", "'arb_policy'");
}

static void test_teardown(void)
{
	for (int i = 0; i < ts.nr; i++) {
		const struct tmpl_entry *e = &ts.e[i];
		double resid[2];

		if (e->path < TP_MMPUT)
			continue;
		tmpl_teardown(&ts, e->scheme, e->path, e->counter, 8, 7, resid);
		CHECK(fabs(resid[0]) < 1e-6 && fabs(resid[1]) < 1e-6,
		      "teardown %s %s %s: a + bN + cK + d[K=N-1] misses (8,5) by %g, (6,5) by %g",
		      e->scheme, tmpl_path_names[e->path], e->counter, resid[0], resid[1]);
	}
}

/*
 * The teardown band: the corners of td_point_bound() hold the nominal
 * cost and every cost drawn from inside the parameter box (a seeded draw),
 * for every scheme, mapped and not; and the band is not empty where the
 * teardown sends IPIs (hazptr).
 */
static double draw(struct param q, uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return q.lo + (q.hi - q.lo) * (double)(*x >> 11) / 9007199254740992.0;
}

static void test_teardown_band(void)
{
	struct machine m = load("synth1024");
	struct sim_point lo, hi, p;
	const int ns[] = { 2, 64, 1024 };
	uint64_t x = 12;

	td_point_bound(&m, &lo, false);
	td_point_bound(&m, &hi, true);
	for (int i = 0; lazy_schemes[i]; i++)
		for (int j = 0; j < 3; j++)
			for (int mapped = 0; mapped < 2; mapped++)
				for (int r = 0; r < 9; r++) {
					const char *sc = lazy_schemes[i]->name;
					struct td_cost a, b, c;

					sim_point_from(&m, &p);
					if (r > 0) {
						for (int d = 0; d < D_NR; d++)
							p.lat[d] = draw(m.lat[d], &x);
						p.rmw = draw(m.rmw_ns, &x);
						p.fence = draw(m.fence_ns, &x);
						p.cr3 = draw(m.cr3_ns, &x);
						p.cr3_flush = draw(m.cr3_flush_ns, &x);
						p.ipi = draw(m.ipi_ns, &x);
						p.ipi_send = draw(m.ipi_send_ns, &x);
						p.irq = draw(m.irq_ns, &x);
						p.mlp = draw(m.mlp, &x);
					}
					td_cost(&m, &lo, &ts, sc, ns[j], ns[j] - 1, mapped, &a);
					td_cost(&m, &p, &ts, sc, ns[j], ns[j] - 1, mapped, &b);
					td_cost(&m, &hi, &ts, sc, ns[j], ns[j] - 1, mapped, &c);
					CHECK(a.initiator_ns <= b.initiator_ns + 1e-9 &&
					      b.initiator_ns <= c.initiator_ns + 1e-9,
					      "teardown band %s N=%d %s draw %d: %.1f not in [%.1f, %.1f] ns", sc,
					      ns[j], mapped ? "mapped" : "unmapped", r, b.initiator_ns,
					      a.initiator_ns, c.initiator_ns);
					if (!strcmp(sc, "hazptr") && r == 0)
						CHECK(c.initiator_ns > 1.5 * a.initiator_ns,
						      "teardown band hazptr N=%d: [%.1f, %.1f] ns, IPIs not in it",
						      ns[j], a.initiator_ns, c.initiator_ns);
				}
}

/* The band spans only what the machine's arb_policy reads: arb_near under
 * near_mix, not under timing (its two sets would repeat the nominal). */
static void test_band_params(void)
{
	struct machine m = load("epyc9654x2");
	const char *names[16];
	int n, has_near;

	for (int pol = 0; pol < ARB_NR; pol++) {
		m.arb_policy = (enum arb_policy)pol;
		n = sweep_band_names(&m, names, 16);
		has_near = 0;
		for (int j = 0; j < n; j++)
			has_near |= !strcmp(names[j], "arb_near");
		CHECK(has_near == (pol == ARB_NEAR_MIX), "%s: arb_near %s the band", arb_policy_names[pol],
		      has_near ? "in" : "not in");
		CHECK(sweep_nsets(&m, true) == 1 + 2 * n, "%s: %d sets for %d band parameters",
		      arb_policy_names[pol], sweep_nsets(&m, true), n);
		CHECK(sweep_nsets(&m, false) == 1, "%s: no band, more than one set", arb_policy_names[pol]);
	}
}

int main(void)
{
	char err[512];

	if (tmpl_read("predict/templates/templates.tsv", &ts, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	test_line();
	test_arbitration();
	test_sim();
	test_machine();
	test_teardown();
	test_teardown_band();
	test_band_params();
	tmpl_free(&ts);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	else
		printf("predict unit tests: all passed\n");
	return failures ? 1 : 0;
}
