/*
 * teardown.c - the cost of one teardown (the last __mmput() and __mmdrop())
 * on a machine with N CPUs, K of them lazy on the dying mm.
 *
 * The operation counts come from the templates (extract.c: recorded at
 * N = 4, 6, 8 and fitted as a + b*N + c*K + d*[K = N-1], checked on two
 * more points); the
 * costs from the machine file:
 *   - a wait for a round of IPIs (smp_call_function_single() waits for one
 *     CPU, on_each_cpu_mask() for all it sent to): ipi_ns each;
 *   - each IPI sent: ipi_send_ns on the sender; irq_ns on the receiver;
 *   - each remote line read by a scan (hazard slots, cpu_tlbstate): the
 *     transfer from the CPU that owns it, averaged over CPUs 1..N-1 of
 *     this topology, divided by the misses a scan keeps in flight (mlp);
 *   - mm_cpumask: one line per 512 CPUs, from the average remote CPU;
 *   - fences, CR3 writes, local stores as on the switch path.
 * Every cost comes from the sim_point, so the band's corners
 * (td_point_bound()) are evaluated by the same code as the nominal value.
 * What refcount leaves behind: each of the K lazy CPUs drops its mm_count
 * reference at its next switch, one line transfer each ("deferred").
 */
#include <math.h>

#include "predict.h"

static double tget(const struct tmpl_set *ts, const char *scheme, enum tmpl_path p,
		   const char *counter, int n, int k)
{
	double v = tmpl_teardown(ts, scheme, p, counter, n, k, NULL);

	return v > 0 ? v : 0;
}

/* Mean one-way transfer from CPU 0 to CPUs 1..n-1 (machine numbering,
 * wrapping if n exceeds the machine). */
static double mean_remote(const struct machine *m, const struct sim_point *p, int n)
{
	double s = 0;

	if (n < 2)
		return p->lat[D_SELF];
	for (int i = 1; i < n; i++)
		s += p->lat[machine_dist(m, 0, i % m->nr_cpus)];
	return s / (n - 1);
}

static double path_cost(const struct machine *m, const struct sim_point *p,
			const struct tmpl_set *ts, const char *scheme, enum tmpl_path path,
			int n, int k, double *ipis, double *scanned)
{
	double rounds = tget(ts, scheme, path, "ipi_wait_rounds", n, k);
	double sent = tget(ts, scheme, path, "ipi_sent", n, k);
	double scan = tget(ts, scheme, path, "slots_scanned", n, k);
	double remote = mean_remote(m, p, n);
	double c = 0;

	c += rounds * p->ipi + sent * p->ipi_send;
	c += scan * remote / p->mlp;
	c += (tget(ts, scheme, path, "rmw_mm_cpumask", n, k) + tget(ts, scheme, path, "rmw_tlb_gen", n, k)) *
	     (remote + p->rmw);
	c += tget(ts, scheme, path, "smp_mb", n, k) * p->fence;
	c += tget(ts, scheme, path, "rmw_cpu_local", n, k) * p->rmw;
	c += tget(ts, scheme, path, "rmw_mm_count", n, k) * (remote + p->rmw);
	c += tget(ts, scheme, path, "cr3_writes", n, k) * p->cr3;
	c += tget(ts, scheme, path, "cr3_flushing", n, k) * p->cr3_flush;
	if (ipis)
		*ipis += sent;
	if (scanned)
		*scanned += scan;
	return c;
}

void td_cost(const struct machine *m, const struct sim_point *p, const struct tmpl_set *ts,
	     const char *scheme, int n, int k, bool mapped, struct td_cost *out)
{
	enum tmpl_path put = mapped ? TP_MMPUT : TP_MMPUT_UNMAPPED;
	enum tmpl_path drop = mapped ? TP_MMDROP : TP_MMDROP_UNMAPPED;
	enum tmpl_path rem = mapped ? TP_REMOTE : TP_REMOTE_UNMAPPED;
	double recv, remote_lat = mean_remote(m, p, n);

	out->ipis = out->scanned = 0;
	out->initiator_ns = path_cost(m, p, ts, scheme, put, n, k, &out->ipis, &out->scanned) +
			    path_cost(m, p, ts, scheme, drop, n, k, &out->ipis, &out->scanned);
	/* the cpumask read of flush and shootdown: a line per 512 CPUs */
	if (tget(ts, scheme, put, "ipi_flush", n, k) > 0 || tget(ts, scheme, drop, "ipi_teardown", n, k) > 0)
		out->initiator_ns += ceil(n / 512.0) * remote_lat;
	recv = tget(ts, scheme, rem, "ipi_received", n, k);
	out->remote_ns = recv * p->irq + tget(ts, scheme, rem, "cr3_writes", n, k) * p->cr3 +
			 tget(ts, scheme, rem, "rmw_mm_cpumask", n, k) * (remote_lat + p->rmw);
	/* refcount: the lazy CPUs' later drops, one transfer of mm_count each */
	out->deferred_ns = 0;
	if (tmpl_get(ts, scheme, TP_CS_UK, "rmw_mm_count") > 0)
		out->deferred_ns = k * (remote_lat + p->rmw);
}
