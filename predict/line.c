/*
 * line.c - the cache-line ownership tracker.
 *
 * A line is a server: one access at a time holds it, for the transfer from
 * its current owner plus the operation.  Requests that find it held queue
 * up.  When it is released, the arbitration policy (machine file field
 * arb_policy) picks the next holder:
 *
 * near_mix  with probability arb_near the waiter nearest the current owner
 *           (ties in arrival order), otherwise the oldest waiter.
 *           arb_near = 0 is first-come-first-served; arb_near = 1 always
 *           serves the neighbourhood first.  arb_near is a free parameter.
 *
 * timing    no free parameter: the next holder is the request that reaches
 *           the owner first, given the latencies of the machine file.  A
 *           request is routed when it is issued, by where the line is then
 *           (its holder, else its owner):
 *           - from a core of that CCX, it is looked up in the CCX's L3
 *             (on Zen 4 the L3's shadow tags name the core holding the
 *             line) and reaches the owner lat(owner, requester) / 2 after
 *             it was issued;
 *           - from anywhere else, it goes to the line's home (the fabric's
 *             coherence point), which forwards one request at a time, the
 *             oldest first, as a probe to the owner; the probe can leave
 *             only once the line has reached the owner's CCX (the home
 *             learns of the new owner then), and it travels half a
 *             transfer: it reaches the owner at
 *             max(issued, line reached the CCX) + lat(owner, requester) / 2.
 *           At a release, the earliest of the local arrivals and the probe
 *           wins (a tie goes to the local request).  When the line leaves
 *           a CCX, the requests still queued there miss and are re-sent to
 *           the home, behind those already there (issued: now).
 *           "Half a transfer" for the request's leg: the machine files'
 *           latencies are one-way transfers (half a CAS ping-pong round
 *           trip: a request and the data's return), taken as symmetric.
 *           The home's own position is not modelled (nor is it charged:
 *           docs/predict.md section 7).
 *
 * The policies choose only who is served next: every transfer is charged
 * lat(owner, requester) + rmw from the grant, in both.
 */
#include <math.h>
#include <stdlib.h>

#include "sim.h"

void line_init(struct line *l)
{
	l->owner = -1;
	l->holder = -1;
	l->head = l->tail = -1;
	l->nwait = 0;
	l->land = 0;
}

static enum dist dist_to(struct sim *s, int from, int h)
{
	return from < 0 ? D_SELF : machine_dist(s->c->m, from, h);
}

static double service(struct sim *s, struct line *l, int h, bool rmw)
{
	return s->c->p.lat[dist_to(s, l->owner, h)] + (rmw ? s->c->p.rmw : 0);
}

static bool same_ccx(struct sim *s, int a, int b)
{
	return a >= 0 && b >= 0 && machine_dist(s->c->m, a, b) <= D_CCX;
}

static void grant(struct sim *s, struct line *l, int h, bool rmw)
{
	double dur = service(s, l, h, rmw);

	if (l - s->lines < s->nmm && l->owner >= 0 && s->now >= s->t_start)
		s->count_grants[machine_dist(s->c->m, l->owner, h)]++;   /* an mm_count line */

	if (s->c->p.arb_policy == ARB_TIMING && !same_ccx(s, l->owner, h)) {
		/* the line leaves its CCX: it lands in h's when the transfer is
		 * done; the requests queued at the old CCX's L3 miss and go to
		 * the home, behind the ones already there */
		l->land = s->now + s->c->p.lat[dist_to(s, l->owner, h)];
		for (int w = l->head; w >= 0; w = s->hw[w].lnext)
			if (s->hw[w].arb_local) {
				s->hw[w].arb_local = false;
				s->hw[w].arb_key = s->now;
			}
	}
	l->holder = h;
	l->owner = h;
	s->hw[h].holding = (int)(l - s->lines);
	sim_at(s, s->now + dur, h);
}

/* Returns true when h got the line now (its event is scheduled). */
bool line_request(struct sim *s, struct line *l, int h, bool rmw)
{
	struct hw *w = &s->hw[h];

	w->want_rmw = rmw;
	w->wait_since = s->now;
	if (l->holder < 0 && l->head < 0) {
		grant(s, l, h, rmw);
		return true;
	}
	/* timing: routed by where the line is now (the holder, else the owner) */
	w->arb_local = same_ccx(s, l->holder >= 0 ? l->holder : l->owner, h);
	w->arb_key = s->now;
	w->lnext = -1;
	if (l->tail >= 0)
		s->hw[l->tail].lnext = h;
	else
		l->head = h;
	l->tail = h;
	l->nwait++;
	return false;
}

/* near_mix: the nearest waiter (first in queue order among equals) */
static int pick_nearest(struct sim *s, struct line *l)
{
	enum dist best = D_NR;
	int pick = l->head;

	for (int h = l->head; h >= 0; h = s->hw[h].lnext) {
		enum dist d = machine_dist(s->c->m, l->owner, h);

		if (d < best) {
			best = d;
			pick = h;
		}
	}
	return pick;
}

/* timing: the first local request to reach the owner, or the home's probe */
static int pick_timing(struct sim *s, struct line *l)
{
	const double *lat = s->c->p.lat;
	int local = -1, home = -1;
	double a_local = INFINITY, k_home = INFINITY;

	for (int h = l->head; h >= 0; h = s->hw[h].lnext) {
		const struct hw *w = &s->hw[h];

		if (w->arb_local) {
			double a = w->arb_key + lat[dist_to(s, l->owner, h)] / 2;

			if (a < a_local) {
				a_local = a;
				local = h;
			}
		} else if (w->arb_key < k_home) {
			k_home = w->arb_key;
			home = h;
		}
	}
	if (home < 0)
		return local;
	if (local >= 0 &&
	    a_local <= fmax(k_home, l->land) + lat[dist_to(s, l->owner, home)] / 2)
		return local;
	return home;
}

void line_release(struct sim *s, struct line *l)
{
	int pick = l->head, prev_pick = -1;

	l->holder = -1;
	if (l->head < 0)
		return;
	if (l->nwait > 1) {
		if (s->c->p.arb_policy == ARB_TIMING)
			pick = pick_timing(s, l);
		else if (sim_rand01(s) < s->c->p.arb_near)
			pick = pick_nearest(s, l);
	}
	/* unlink pick */
	for (int h = l->head; h != pick; h = s->hw[h].lnext)
		prev_pick = h;
	if (prev_pick < 0)
		l->head = s->hw[pick].lnext;
	else
		s->hw[prev_pick].lnext = s->hw[pick].lnext;
	if (l->tail == pick)
		l->tail = prev_pick;
	l->nwait--;
	s->wait_ns += s->now - s->hw[pick].wait_since;
	s->waits++;
	grant(s, l, pick, s->hw[pick].want_rmw);
}

/*
 * A script for hand-computed cases: hardware thread hw[i] asks for one
 * RMW at t[i]; an event of a thread is its request the first time, the end
 * of its access (release, recorded) the second.
 */
int sim_line_script(const struct machine *m, const struct sim_point *p, int owner0, int n,
		    const int *hw, const double *t, int *order, double *done)
{
	struct sim_cfg c = { .m = m, .p = *p, .seed = 1 };
	struct sim s = { .c = &c, .rng = 1, .nhw = m->nr_cpus };
	int *req = calloc((size_t)m->nr_cpus, sizeof(int)), served = 0;

	s.hw = calloc((size_t)m->nr_cpus, sizeof(*s.hw));
	s.lines = calloc(1, sizeof(*s.lines));
	if (!req || !s.hw || !s.lines || n < 1 || owner0 < -1 || owner0 >= m->nr_cpus)
		goto out;
	line_init(&s.lines[0]);
	s.lines[0].owner = owner0;
	for (int h = 0; h < m->nr_cpus; h++) {
		s.hw[h].holding = -1;
		s.hw[h].lnext = -1;
		req[h] = -1;
	}
	for (int i = 0; i < n; i++) {
		if (hw[i] < 0 || hw[i] >= m->nr_cpus || req[hw[i]] >= 0 || (i && t[i] < t[i - 1]))
			goto out;                 /* one request per thread, in time order */
		req[hw[i]] = i;
		sim_at(&s, t[i], hw[i]);
	}
	while (s.nheap > 0) {
		struct ev e = sim_pop(&s);
		struct hw *w = &s.hw[e.h];

		s.now = e.t;
		if (w->holding >= 0) {
			w->holding = -1;
			line_release(&s, &s.lines[0]);
			order[served++] = req[e.h];
			done[req[e.h]] = s.now;
		} else {
			line_request(&s, &s.lines[0], e.h, true);
		}
	}
out:
	free(req);
	free(s.hw);
	free(s.lines);
	free(s.heap);
	return served == n ? 0 : -1;
}
