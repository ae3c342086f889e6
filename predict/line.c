/*
 * line.c - the cache-line ownership tracker.
 *
 * A line is a server: one access at a time holds it, for the transfer from
 * its current owner plus the operation.  Requests that find it held queue
 * up.  When it is released, the arbitration policy picks the next holder:
 * with probability arb_near the waiter nearest the current owner (ties in
 * arrival order), otherwise the oldest waiter.  arb_near = 0 is
 * first-come-first-served; arb_near = 1 always serves the neighbourhood
 * first (bursts within an SMT core, a CCX, a socket), the behaviour the
 * 2023 kernel-test-robot figure points to (docs/predict.md).
 */
#include <stdlib.h>

#include "sim.h"

void line_init(struct line *l)
{
	l->owner = -1;
	l->holder = -1;
	l->head = l->tail = -1;
	l->nwait = 0;
}

static double service(struct sim *s, struct line *l, int h, bool rmw)
{
	enum dist d = l->owner < 0 ? D_SELF : machine_dist(s->c->m, l->owner, h);

	return s->c->p.lat[d] + (rmw ? s->c->p.rmw : 0);
}

static void grant(struct sim *s, struct line *l, int h, bool rmw)
{
	double dur = service(s, l, h, rmw);

	l->holder = h;
	l->owner = h;
	s->hw[h].holding = (int)(l - s->lines);
	sim_at(s, s->now + dur, h);
}

/* Returns true when h got the line now (its event is scheduled). */
bool line_request(struct sim *s, struct line *l, int h, bool rmw)
{
	s->hw[h].want_rmw = rmw;
	s->hw[h].wait_since = s->now;
	if (l->holder < 0 && l->head < 0) {
		grant(s, l, h, rmw);
		return true;
	}
	s->hw[h].lnext = -1;
	if (l->tail >= 0)
		s->hw[l->tail].lnext = h;
	else
		l->head = h;
	l->tail = h;
	l->nwait++;
	return false;
}

void line_release(struct sim *s, struct line *l)
{
	int pick = l->head, prev_pick = -1;

	l->holder = -1;
	if (l->head < 0)
		return;
	if (l->nwait > 1 && sim_rand01(s) < s->c->p.arb_near) {
		enum dist best = D_NR;

		for (int h = l->head, prev = -1; h >= 0; prev = h, h = s->hw[h].lnext) {
			enum dist d = machine_dist(s->c->m, l->owner, h);

			if (d < best) {
				best = d;
				pick = h;
				prev_pick = prev;
			}
		}
	}
	/* unlink pick */
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
