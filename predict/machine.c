/*
 * machine.c - machine descriptions: predict/machines/NAME.conf.
 *
 * One "field = value" per line, '#' starts a comment (the source of the
 * number).  A value may carry the range the prediction band spans:
 * "lat_ccx = 27 [26..29]".  Every field is required; an unknown or
 * malformed field, a missing one, or a value outside its range is an error
 * that names the field (the command exits 2).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"

const char *const dist_names[D_NR] = { "self", "smt", "ccx", "socket", "remote" };
const char *const arb_policy_names[ARB_NR] = { "near_mix", "timing" };

enum ftype { F_INT, F_PARAM, F_STR, F_BOOL, F_ARB };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
	double min, max;           /* accepted values */
};

#define P(f, lo, hi) { #f, F_PARAM, offsetof(struct machine, f), lo, hi }
static const struct field fields[] = {
	{ "name", F_STR, offsetof(struct machine, name), 0, 0 },
	{ "desc", F_STR, offsetof(struct machine, desc), 0, 0 },
	{ "sockets", F_INT, offsetof(struct machine, sockets), 1, 64 },
	{ "ccx_per_socket", F_INT, offsetof(struct machine, ccx_per_socket), 1, 64 },
	{ "cores_per_ccx", F_INT, offsetof(struct machine, cores_per_ccx), 1, 256 },
	{ "smt", F_INT, offsetof(struct machine, smt), 1, 8 },
	{ "lat_self", F_PARAM, offsetof(struct machine, lat[D_SELF]), 0, 1e4 },
	{ "lat_smt", F_PARAM, offsetof(struct machine, lat[D_SMT]), 0, 1e4 },
	{ "lat_ccx", F_PARAM, offsetof(struct machine, lat[D_CCX]), 0, 1e4 },
	{ "lat_socket", F_PARAM, offsetof(struct machine, lat[D_SOCKET]), 0, 1e4 },
	{ "lat_remote", F_PARAM, offsetof(struct machine, lat[D_REMOTE]), 0, 1e4 },
	P(rmw_ns, 0, 1e4), P(fence_ns, 0, 1e4), P(store_ns, 0, 1e4), P(load_ns, 0, 1e4),
	P(cr3_ns, 0, 1e5), P(cr3_flush_ns, 0, 1e5), P(ipi_ns, 0, 1e6), P(ipi_send_ns, 0, 1e5),
	P(irq_ns, 0, 1e5), P(idle_exit_ns, 0, 1e6), P(smt_slow, 1, 4), P(mlp, 1, 64),
	P(switch_ns, 1, 1e6), P(syscall_ns, 0, 1e6), P(arb_near, 0, 1),
	{ "arb_policy", F_ARB, offsetof(struct machine, arb_policy), 0, 0 },
	{ "fitted", F_BOOL, offsetof(struct machine, fitted), 0, 1 },
};
#undef P
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static bool parse_num(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*trim(end) && isfinite(*v);
}

static int set_field(const struct field *f, char *val, struct machine *m, char *err, size_t errlen,
		     const char *where)
{
	char *p = (char *)m + f->off;
	double v, lo, hi;
	char *br;

	switch (f->type) {
	case F_STR:
		if (!*val || strlen(val) >= (f->off == offsetof(struct machine, desc) ? sizeof(m->desc) : sizeof(m->name))) {
			snprintf(err, errlen, "%s: field '%s': a text of 1..159 characters (name: 63) is required",
				 where, f->name);
			return -1;
		}
		snprintf(p, f->off == offsetof(struct machine, desc) ? sizeof(m->desc) : sizeof(m->name),
			 "%s", val);
		return 0;
	case F_BOOL:
		if (strcmp(val, "yes") && strcmp(val, "no")) {
			snprintf(err, errlen, "%s: field '%s': '%s' is not yes or no", where, f->name, val);
			return -1;
		}
		*(bool *)p = !strcmp(val, "yes");
		return 0;
	case F_ARB:
		for (int i = 0; i < ARB_NR; i++)
			if (!strcmp(val, arb_policy_names[i])) {
				*(enum arb_policy *)p = (enum arb_policy)i;
				return 0;
			}
		snprintf(err, errlen, "%s: field '%s': '%s' is not near_mix or timing", where, f->name, val);
		return -1;
	case F_INT:
		if (!parse_num(val, &v) || v != floor(v) || v < f->min || v > f->max) {
			snprintf(err, errlen, "%s: field '%s': '%s' is not an integer in %g..%g",
				 where, f->name, val, f->min, f->max);
			return -1;
		}
		*(int *)p = (int)v;
		return 0;
	case F_PARAM:
		br = strchr(val, '[');
		if (br) {
			char *dots, *close = strchr(br, ']');

			*br++ = 0;
			dots = strstr(br, "..");
			if (!close || !dots || *trim(close + 1)) {
				snprintf(err, errlen, "%s: field '%s': a range is written [LO..HI]", where, f->name);
				return -1;
			}
			*close = 0;
			*dots = 0;
			if (!parse_num(br, &lo) || !parse_num(dots + 2, &hi)) {
				snprintf(err, errlen, "%s: field '%s': the range's ends are not numbers",
					 where, f->name);
				return -1;
			}
		}
		if (!parse_num(trim(val), &v) || v < f->min || v > f->max) {
			snprintf(err, errlen, "%s: field '%s': '%s' is not a number in %g..%g",
				 where, f->name, trim(val), f->min, f->max);
			return -1;
		}
		if (!br)
			lo = hi = v;
		if (lo > v || hi < v || lo < f->min || hi > f->max) {
			snprintf(err, errlen, "%s: field '%s': the range [%g..%g] must hold %g and lie in %g..%g",
				 where, f->name, lo, hi, v, f->min, f->max);
			return -1;
		}
		((struct param *)p)->v = v;
		((struct param *)p)->lo = lo;
		((struct param *)p)->hi = hi;
		return 0;
	}
	return -1;
}

int machine_load(const char *path, struct machine *m, char *err, size_t errlen)
{
	bool seen[NFIELDS] = { false };
	char line[512], where[300];
	FILE *f = fopen(path, "r");
	int ln = 0;

	memset(m, 0, sizeof(*m));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *eq, *key, *val;
		size_t i;

		ln++;
		if (hash)
			*hash = 0;
		key = trim(line);
		if (!*key)
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, ln);
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: '%s' is not 'field = value'", where, key);
			fclose(f);
			return 2;
		}
		*eq = 0;
		val = trim(eq + 1);
		key = trim(key);
		for (i = 0; i < NFIELDS; i++)
			if (!strcmp(fields[i].name, key))
				break;
		if (i == NFIELDS) {
			snprintf(err, errlen, "%s: unknown field '%s'", where, key);
			fclose(f);
			return 2;
		}
		if (seen[i]) {
			snprintf(err, errlen, "%s: field '%s' given twice", where, key);
			fclose(f);
			return 2;
		}
		seen[i] = true;
		if (set_field(&fields[i], val, m, err, errlen, where) != 0) {
			fclose(f);
			return 2;
		}
	}
	fclose(f);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!seen[i]) {
			snprintf(err, errlen, "%s: missing field '%s'", path, fields[i].name);
			return 2;
		}
	m->nr_cpus = machine_cores(m) * m->smt;
	if (m->nr_cpus > 4096) {
		snprintf(err, errlen, "%s: fields 'sockets' x 'ccx_per_socket' x 'cores_per_ccx' x 'smt' = %d CPUs; at most 4096 accepted",
			 path, m->nr_cpus);
		return 2;
	}
	return 0;
}

/* Hardware threads are numbered core by core (SMT siblings adjacent),
 * cores socket by socket, as hwloc numbers them. */
enum dist machine_dist(const struct machine *m, int a, int b)
{
	int ca = a / m->smt, cb = b / m->smt;
	int per_socket = m->ccx_per_socket * m->cores_per_ccx;

	if (a == b)
		return D_SELF;
	if (ca == cb)
		return D_SMT;
	if (ca / m->cores_per_ccx == cb / m->cores_per_ccx)
		return D_CCX;
	if (ca / per_socket == cb / per_socket)
		return D_SOCKET;
	return D_REMOTE;
}

/* The machine's values, as one simulation's parameter set. */
void sim_point_from(const struct machine *m, struct sim_point *p)
{
	for (int d = 0; d < D_NR; d++)
		p->lat[d] = m->lat[d].v;
	p->rmw = m->rmw_ns.v;
	p->fence = m->fence_ns.v;
	p->store = m->store_ns.v;
	p->load = m->load_ns.v;
	p->cr3 = m->cr3_ns.v;
	p->cr3_flush = m->cr3_flush_ns.v;
	p->ipi = m->ipi_ns.v;
	p->idle_exit = m->idle_exit_ns.v;
	p->smt_slow = m->smt_slow.v;
	p->switch_ns = m->switch_ns.v;
	p->syscall = m->syscall_ns.v;
	p->arb_near = m->arb_near.v;
	p->arb_policy = m->arb_policy;
	p->ipi_send = m->ipi_send_ns.v;
	p->irq = m->irq_ns.v;
	p->mlp = m->mlp.v;
}

void td_point_bound(const struct machine *m, struct sim_point *p, bool hi)
{
#define END(prm) (hi ? (prm).hi : (prm).lo)
	sim_point_from(m, p);
	for (int d = 0; d < D_NR; d++)
		p->lat[d] = END(m->lat[d]);
	p->rmw = END(m->rmw_ns);
	p->fence = END(m->fence_ns);
	p->store = END(m->store_ns);
	p->load = END(m->load_ns);
	p->cr3 = END(m->cr3_ns);
	p->cr3_flush = END(m->cr3_flush_ns);
	p->ipi = END(m->ipi_ns);
	p->ipi_send = END(m->ipi_send_ns);
	p->irq = END(m->irq_ns);
	p->mlp = hi ? m->mlp.lo : m->mlp.hi;   /* more misses in flight: a cheaper scan */
#undef END
}
