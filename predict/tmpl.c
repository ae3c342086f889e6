/*
 * tmpl.c - operation templates: storage, the TSV file, lookups.
 *
 * One line per (scheme, path, N, K, counter):
 *   scheme <TAB> path <TAB> N <TAB> K <TAB> counter <TAB> per-operation value
 * Values are model counter totals divided by the number of operations of
 * that path (switches, wake-ups, teardowns), printed with 4 decimals.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

const char *const tmpl_path_names[TP_NR] = {
	[TP_SCHED] = "sched", [TP_WAKE] = "wake",
	[TP_CS_UU_SAME] = "cs_uu_same", [TP_CS_UU_DIFF] = "cs_uu_diff",
	[TP_CS_UK] = "cs_uk", [TP_CS_KU_SAME] = "cs_ku_same",
	[TP_CS_KU_DIFF] = "cs_ku_diff", [TP_CS_KK] = "cs_kk",
	[TP_MMPUT] = "mmput", [TP_MMDROP] = "mmdrop", [TP_REMOTE] = "remote",
	[TP_MMPUT_UNMAPPED] = "mmput_unmapped", [TP_MMDROP_UNMAPPED] = "mmdrop_unmapped",
	[TP_REMOTE_UNMAPPED] = "remote_unmapped",
};

void tmpl_add(struct tmpl_set *ts, const char *scheme, enum tmpl_path path, int n, int k,
	      const char *counter, double value)
{
	struct tmpl_entry *e;

	if (ts->nr == ts->cap) {
		int cap = ts->cap ? 2 * ts->cap : 256;
		struct tmpl_entry *ne = realloc(ts->e, sizeof(*ne) * (size_t)cap);

		if (!ne)
			abort();
		ts->e = ne;
		ts->cap = cap;
	}
	e = &ts->e[ts->nr++];
	memset(e, 0, sizeof(*e));
	snprintf(e->scheme, sizeof(e->scheme), "%s", scheme);
	snprintf(e->counter, sizeof(e->counter), "%s", counter);
	e->path = path;
	e->n = n;
	e->k = k;
	e->value = value;
}

void tmpl_free(struct tmpl_set *ts)
{
	free(ts->e);
	memset(ts, 0, sizeof(*ts));
}

void tmpl_write(FILE *out, const struct tmpl_set *ts)
{
	fprintf(out, "# lazymm operation templates, extracted from the model by 'lazymm predict --extract'\n"
		     "# (make predict-templates).  Per operation of the path: switch, wake-up or teardown.\n"
		     "# scheme\tpath\tN\tK\tcounter\tvalue\n");
	for (int i = 0; i < ts->nr; i++) {
		const struct tmpl_entry *e = &ts->e[i];

		fprintf(out, "%s\t%s\t%d\t%d\t%s\t%.4f\n", e->scheme, tmpl_path_names[e->path],
			e->n, e->k, e->counter, e->value);
	}
}

static int path_by_name(const char *s)
{
	for (int i = 0; i < TP_NR; i++)
		if (!strcmp(tmpl_path_names[i], s))
			return i;
	return -1;
}

int tmpl_read(const char *path, struct tmpl_set *ts, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int ln = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char scheme[32], pth[32], counter[32];
		int n, k, p;
		double v;

		ln++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31[^\t]\t%31[^\t]\t%d\t%d\t%31[^\t]\t%lf", scheme, pth, &n, &k,
			   counter, &v) != 6 || (p = path_by_name(pth)) < 0 || !isfinite(v)) {
			snprintf(err, errlen, "%s:%d: not a template line (scheme, path, N, K, counter, value)",
				 path, ln);
			fclose(f);
			return -1;
		}
		tmpl_add(ts, scheme, (enum tmpl_path)p, n, k, counter, v);
	}
	fclose(f);
	return 0;
}

static double lookup(const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		     int n, int k, const char *counter)
{
	for (int i = 0; i < ts->nr; i++) {
		const struct tmpl_entry *e = &ts->e[i];

		if (e->path == path && e->n == n && e->k == k && !strcmp(e->scheme, scheme) &&
		    !strcmp(e->counter, counter))
			return e->value;
	}
	return 0;
}

double tmpl_get(const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		const char *counter)
{
	return lookup(ts, scheme, path, 2, 0, counter);
}

bool tmpl_has_scheme(const struct tmpl_set *ts, const char *scheme)
{
	for (int i = 0; i < ts->nr; i++)
		if (!strcmp(ts->e[i].scheme, scheme))
			return true;
	return false;
}

/*
 * v = a + b*N + c*K + d*[K = N-1] through configurations 0..3:
 * (4,1) and (8,3) without the indicator, (4,3) and (8,7) with it.
 *   (8,3) - (4,1):  4b + 2c = v2 - v0
 *   (8,7) - (4,3):  4b + 4c = v3 - v1
 * so c = ((v3 - v1) - (v2 - v0)) / 2, b = (v2 - v0 - 2c) / 4,
 * a = v0 - 4b - c, d = v1 - a - 4b - 3c.  resid[0..1]: the misses at the
 * two check configurations (4 and 5).
 */
double tmpl_teardown(const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
		     const char *counter, int n, int k, double *resid)
{
	double v[TMPL_TD_CONFIGS], a, b, c, d;

	for (int i = 0; i < TMPL_TD_CONFIGS; i++)
		v[i] = lookup(ts, scheme, path, tmpl_td_configs[i][0], tmpl_td_configs[i][1], counter);
	c = ((v[3] - v[1]) - (v[2] - v[0])) / 2;
	b = (v[2] - v[0] - 2 * c) / 4;
	a = v[0] - 4 * b - c;
	d = v[1] - a - 4 * b - 3 * c;
	if (resid)
		for (int i = 4; i < TMPL_TD_CONFIGS; i++) {
			int cn = tmpl_td_configs[i][0], ck = tmpl_td_configs[i][1];

			resid[i - 4] = v[i] - (a + b * cn + c * ck + (ck == cn - 1 ? d : 0));
		}
	return a + b * n + c * k + (k == n - 1 ? d : 0);
}

/* A scheme's per-path costs for the simulator (what each counter means:
 * extract.c; how the simulator charges it: sim.c). */
/* Every counter a template may hold, and whether the simulator charges it
 * (the rest are bookkeeping: switch types, IPI receipts, teardowns ...).
 * A counter not listed here makes the templates unusable: a new model
 * counter must be given a cost before it can silently cost nothing. */
static const char *const known_counters[] = {
	"cs_user_user", "cs_user_kernel", "cs_kernel_user", "cs_kernel_kernel",
	"rmw_mm_count", "rmw_mm_cpumask", "rmw_tlb_gen", "rmw_mm_users", "rmw_cpu_local",
	"sched_locks", "sched_locks_rq", "stores_shared_read", "smp_mb", "cr3_writes",
	"cr3_flushing", "ipi_sent", "ipi_received", "ipi_nothing_to_do", "ipi_teardown",
	"ipi_flush", "ipi_wait_rounds", "tlb_flushes", "flush_skipped_lazy", "lazy_evictions",
	"slots_scanned", "page_walks", "round_trips", "store_is_lazy", "store_loaded_mm",
	"store_hazard_slot", "load_tlb_gen", "mmdrop_teardowns",
	/* bookkeeping, not charged: cond_mitigation()'s IBPB runs on the
	 * mm-changing paths alike for every scheme (the same count per path),
	 * and only in always-IBPB mode; membarrier() calls are a workload's,
	 * not a switch's */
	"ibpb", "membarrier_calls", NULL,
};

const char *tmpl_unknown_counter(const struct tmpl_set *ts)
{
	for (int i = 0; i < ts->nr; i++) {
		bool ok = false;

		for (int k = 0; known_counters[k] && !ok; k++)
			ok = !strcmp(known_counters[k], ts->e[i].counter);
		if (!ok)
			return ts->e[i].counter;
	}
	return NULL;
}

int sim_scheme_from(const struct tmpl_set *ts, const char *name, struct sim_scheme *sc)
{
	if (!tmpl_has_scheme(ts, name))
		return -1;
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	for (int p = 0; p < TP_NR; p++) {
		enum tmpl_path tp = (enum tmpl_path)p;

		sc->rmw_count[p] = tmpl_get(ts, name, tp, "rmw_mm_count");
		sc->rmw_cpumask[p] = tmpl_get(ts, name, tp, "rmw_mm_cpumask");
		sc->rmw_other[p] = tmpl_get(ts, name, tp, "rmw_mm_users");
		sc->fences[p] = tmpl_get(ts, name, tp, "smp_mb");
		sc->stores[p] = tmpl_get(ts, name, tp, "store_is_lazy") +
				tmpl_get(ts, name, tp, "store_loaded_mm") +
				tmpl_get(ts, name, tp, "store_hazard_slot");
		/* stores a scheme counts without naming the line: local stores */
		if (tmpl_get(ts, name, tp, "stores_shared_read") > sc->stores[p])
			sc->stores[p] = tmpl_get(ts, name, tp, "stores_shared_read");
		/* a LOCK'd RMW on a line only this CPU writes (andy2020's xchg) */
		sc->rmw_local[p] = tmpl_get(ts, name, tp, "rmw_cpu_local");
		sc->loads[p] = tmpl_get(ts, name, tp, "load_tlb_gen");
		sc->cr3[p] = tmpl_get(ts, name, tp, "cr3_writes");
		sc->cr3_flush[p] = tmpl_get(ts, name, tp, "cr3_flushing");
		sc->locks_rq[p] = tmpl_get(ts, name, tp, "sched_locks_rq");
		sc->locks_pi[p] = tmpl_get(ts, name, tp, "sched_locks") - sc->locks_rq[p];
	}
	return 0;
}
