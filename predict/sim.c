/*
 * sim.c - the discrete-event simulator, in virtual time (nanoseconds).
 *
 * Hardware threads run will-it-scale tasks.  Each thread executes a stack
 * of actions: WORK (a fixed cost), LINE (an access to a tracked cache
 * line, line.c) and LOGIC (a state change: a pipe write or read, a wake-up,
 * a switch).  A thread has at most one pending event, so the event heap
 * holds at most one entry per hardware thread.  The costs of a context
 * switch are the scheme's operation template (extract.c) for its switch
 * type; the rest of a switch (the scheduler, the syscalls) is switch_ns
 * and syscall_ns, the same for every scheme.
 *
 * will-it-scale's context_switch1 (tests/context_switch1.c, main.c): pair i
 * is bound to core i mod ncores (both SMT threads: the partner inherits the
 * mask); the main task writes pipe A then reads pipe B and counts; the
 * partner reads A then writes B.  A wake-up goes to the wakee's previous
 * thread if it is idle, else to an idle thread of its core, else to its
 * previous thread's queue (select_idle_sibling()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum logic { L_WRITE, L_READ, L_SCHED, L_SWITCHED, L_ENQUEUE, L_SLEEP, L_LOOP };

const char *const wl_names[WLP_NR] = { "context_switch1", "idle_cycle" };
const char *const wmode_names[WM_NR] = { "threads", "processes" };

/* ---- events ---- */

static bool ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void sim_at(struct sim *s, double t, int h)
{
	struct ev e = { t, s->seq++, h };
	int i;

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? 2 * s->capheap : 1024;
		s->heap = realloc(s->heap, sizeof(*s->heap) * (size_t)s->capheap);
		if (!s->heap)
			abort();
	}
	i = s->nheap++;
	while (i > 0 && ev_less(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

struct ev sim_pop(struct sim *s)
{
	struct ev top = s->heap[0], last = s->heap[--s->nheap];
	int i = 0;

	for (;;) {
		int l = 2 * i + 1, m = i;

		if (l < s->nheap && ev_less(&s->heap[l], &last))
			m = l;
		if (l + 1 < s->nheap && ev_less(&s->heap[l + 1], m == i ? &last : &s->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

double sim_rand01(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (double)(s->rng >> 11) / 9007199254740992.0;
}

/* ---- actions: a sequence is written in execution order, pushed reversed ---- */

struct seq {
	struct act a[ACT_STACK];
	int n;
};

static void q_work(struct seq *q, double ns)
{
	if (ns > 0)
		q->a[q->n++] = (struct act){ .kind = A_WORK, .ns = ns };
}

static void q_line(struct seq *q, int line, bool rmw)
{
	q->a[q->n++] = (struct act){ .kind = A_LINE, .a = line, .rmw = rmw };
}

static void q_logic(struct seq *q, int code, int a, int b)
{
	q->a[q->n++] = (struct act){ .kind = A_LOGIC, .code = (uint8_t)code, .a = a, .b = b };
}

static void push_seq(struct sim *s, int h, const struct seq *q)
{
	struct hw *w = &s->hw[h];

	if (w->sp + q->n > ACT_STACK)
		abort();
	for (int i = q->n - 1; i >= 0; i--)
		w->stack[w->sp++] = q->a[i];
}

static int round_n(double x)
{
	return (int)floor(x + 0.5);
}

/* ---- the will-it-scale steps ---- */

static void q_write_read(struct sim *s, struct seq *q, int t)
{
	struct task *tk = &s->tasks[t];

	q_work(q, s->c->p.syscall);
	q_line(q, s->l_pipe + tk->pout, true);
	q_logic(q, L_WRITE, t, tk->pout);
	q_work(q, s->c->p.syscall);
	q_line(q, s->l_pipe + tk->pin, true);
	q_logic(q, L_READ, t, tk->pin);
}

static void task_step(struct sim *s, int h, int t)
{
	struct seq q = { .n = 0 };

	if (s->c->wl == WLP_IDLE) {
		q_work(&q, s->c->p.syscall);
		q_logic(&q, L_SLEEP, t, h);
	} else {
		q_write_read(s, &q, t);
	}
	push_seq(s, h, &q);
}

/*
 * select_task_rq_fair() for a pipe wake-up of a will-it-scale task by the
 * thread `waker`: the wakee's previous thread if it is idle
 * (select_idle_sibling()), else an idle thread of its core, else — a sync
 * wake-up whose waker is about to sleep (wake_affine_idle()) — the waker's
 * own thread when the affinity allows it, else the previous thread.
 */
static int select_rq(struct sim *s, int t, int waker)
{
	const struct task *tk = &s->tasks[t];
	int smt = s->c->m->smt;

	if (s->c->placement == PL_BENCH)
		return tk->hw;
	if (s->hw[tk->hw].idle && !s->hw[tk->hw].waking)
		return tk->hw;
	for (int i = 0; i < smt; i++) {
		int h = machine_hwt(s->c->m, tk->core, i);

		if (s->hw[h].idle && !s->hw[h].waking)
			return h;
	}
	if (waker >= 0 && waker / smt == tk->core)
		return waker;
	return tk->hw;
}

/* A wake-up of t by the thread h (try_to_wake_up(): the wakee's pi_lock,
 * the target runqueue's lock, the enqueue). */
static void q_wake(struct sim *s, struct seq *q, int t, int waker)
{
	int target = select_rq(s, t, waker);

	q_line(q, s->l_pi + t, true);
	q_line(q, s->l_rq + target, true);
	q_logic(q, L_ENQUEUE, t, target);
}

static void enqueue(struct sim *s, int t, int h)
{
	struct hw *w = &s->hw[h];
	struct task *tk = &s->tasks[t];

	tk->state = T_QUEUED;
	tk->rq_next = -1;
	if (w->rq_tail >= 0)
		s->tasks[w->rq_tail].rq_next = t;
	else
		w->rq_head = t;
	w->rq_tail = t;
	if (w->idle && !w->waking) {
		struct seq q = { .n = 0 };

		w->waking = true;
		q_logic(&q, L_SCHED, 0, 0);
		push_seq(s, h, &q);
		sim_at(s, s->now + s->c->p.idle_exit, h);
	}
}

static int dequeue(struct sim *s, int h)
{
	struct hw *w = &s->hw[h];
	int t = w->rq_head;

	if (t < 0)
		return -1;
	w->rq_head = s->tasks[t].rq_next;
	if (w->rq_head < 0)
		w->rq_tail = -1;
	return t;
}

/* The template's operations of one switch (see extract.c for what each
 * counter is).  mm_count RMWs go to the lazy mm's line (the grab of prev's
 * mm, the drop of the mm that was lazily loaded); mm_cpumask RMWs clear
 * the old mm's bit and set the new one's. */
static void q_template(struct sim *s, struct seq *q, enum tmpl_path p, int old_mm, int new_mm)
{
	const struct sim_scheme *sc = s->sc;
	const struct sim_point *pt = &s->c->p;
	int n;

	q_work(q, s->c->p.switch_ns);
	n = round_n(sc->rmw_count[p]);
	for (int i = 0; i < n; i++)
		q_line(q, s->l_count + (old_mm >= 0 ? old_mm : new_mm), true);
	n = round_n(sc->rmw_cpumask[p]);
	for (int i = 0; i < n; i++) {
		int mm = (i < n / 2 && old_mm >= 0) ? old_mm : new_mm;

		if (mm >= 0)
			q_line(q, s->l_mask + mm, true);
	}
	q_work(q, sc->fences[p] * pt->fence + sc->rmw_local[p] * pt->rmw +
		  sc->stores[p] * pt->store + sc->loads[p] * pt->load +
		  sc->cr3[p] * pt->cr3 + sc->cr3_flush[p] * pt->cr3_flush);
}

/* __schedule() + context_switch() on h, prev = the current task or idle. */
static void do_sched(struct sim *s, int h)
{
	struct hw *w = &s->hw[h];
	int prev = w->cur, next = dequeue(s, h);
	struct seq q = { .n = 0 };
	enum tmpl_path p;
	int old_mm, new_mm;

	w->waking = false;
	if (next < 0 && prev < 0) {
		w->idle = w->sp == 0;
		return;
	}
	w->idle = false;
	q_line(&q, s->l_rq + h, true);                /* rq_lock() */
	if (prev >= 0)
		q_line(&q, s->l_pi + prev, true);     /* prev->pi_lock */
	old_mm = w->loaded_mm;
	new_mm = next >= 0 ? s->tasks[next].mm : -1;
	if (next < 0)
		p = TP_CS_UK;
	else if (prev < 0)
		p = old_mm == new_mm ? TP_CS_KU_SAME : TP_CS_KU_DIFF;
	else
		p = old_mm == new_mm ? TP_CS_UU_SAME : TP_CS_UU_DIFF;
	q_template(s, &q, p, old_mm, new_mm);
	q_logic(&q, L_SWITCHED, next, (int)p);
	push_seq(s, h, &q);
}

static bool in_window(const struct sim *s)
{
	return s->now >= s->t_start;
}

static void do_logic(struct sim *s, int h, const struct act *a)
{
	struct hw *w = &s->hw[h];
	struct seq q = { .n = 0 };

	switch (a->code) {
	case L_WRITE: {
		struct pipe *pp = &s->pipes[a->b];

		pp->tokens++;
		if (s->tasks[a->a].main) {
			s->tasks[a->a].sent = true;
			s->started++;
		}
		if (pp->waiter >= 0) {
			int t = pp->waiter;

			pp->waiter = -1;
			q_wake(s, &q, t, h);
			push_seq(s, h, &q);
		}
		break;
	}
	case L_READ: {
		struct pipe *pp = &s->pipes[a->b];
		struct task *tk = &s->tasks[a->a];

		if (pp->tokens > 0) {
			pp->tokens--;
			if (tk->main) {
				tk->sent = false;
				s->completed++;
				if (in_window(s))
					s->ops++;
			}
			task_step(s, h, a->a);
		} else {
			pp->waiter = a->a;
			tk->state = T_BLOCKED;
			do_sched(s, h);
		}
		break;
	}
	case L_SLEEP:
		s->tasks[a->a].state = T_BLOCKED;
		w->timer_task = a->a;
		do_sched(s, h);
		break;
	case L_SCHED:
		do_sched(s, h);
		break;
	case L_LOOP:          /* sim_one_line(): count, then access the line again */
		if (in_window(s))
			s->ops++;
		q_line(&q, 0, true);
		q_work(&q, s->c->p.switch_ns);
		q_logic(&q, L_LOOP, 0, 0);
		push_seq(s, h, &q);
		break;
	case L_ENQUEUE:
		enqueue(s, a->a, a->b);
		if (a->b == h && w->cur < 0 && !w->waking) {
			/* the idle thread's own timer woke the task */
			q_logic(&q, L_SCHED, 0, 0);
			push_seq(s, h, &q);
		}
		break;
	case L_SWITCHED: {
		int next = a->a;

		if (in_window(s))
			s->switches[a->b]++;
		w->cur = next;
		if (next >= 0) {
			struct task *tk = &s->tasks[next];

			w->loaded_mm = tk->mm;
			tk->state = T_RUNNING;
			tk->hw = h;
			if (s->c->wl == WLP_IDLE) {
				if (in_window(s) && tk->begun)
					s->ops++;
				tk->begun = true;
				task_step(s, h, next);
			} else if (!tk->begun && tk->main) {
				tk->begun = true;
				task_step(s, h, next);        /* write, then read */
			} else {
				tk->begun = true;
				/* back in pipe_read(): take the token */
				q_line(&q, s->l_pipe + tk->pin, true);
				q_logic(&q, L_READ, next, tk->pin);
				push_seq(s, h, &q);
			}
		} else if (w->rq_head >= 0) {
			do_sched(s, h);
		} else if (w->timer_task >= 0) {
			int t = w->timer_task;

			w->timer_task = -1;
			q_work(&q, s->c->p.idle_exit);   /* the tick: out of idle */
			q_line(&q, s->l_pi + t, true);
			q_line(&q, s->l_rq + h, true);
			q_logic(&q, L_ENQUEUE, t, h);
			push_seq(s, h, &q);
		} else {
			w->idle = true;
		}
		break;
	}
	}
}

static bool sibling_busy(const struct sim *s, int h)
{
	int smt = s->c->m->smt, base = h - h % smt;

	for (int i = 0; i < smt && base + i < s->nhw; i++)   /* sim_one_line() runs fewer */
		if (base + i != h && !s->hw[base + i].idle)
			return true;
	return false;
}

/* Run h's actions until one takes time or waits for a line. */
static void run_hw(struct sim *s, int h)
{
	struct hw *w = &s->hw[h];

	if (w->holding >= 0) {
		int l = w->holding;

		w->holding = -1;
		line_release(s, &s->lines[l]);
	}
	while (w->sp > 0) {
		struct act a = w->stack[--w->sp];

		switch (a.kind) {
		case A_WORK:
			sim_at(s, s->now + a.ns * (sibling_busy(s, h) ? s->c->p.smt_slow : 1.0), h);
			return;
		case A_LINE:
			line_request(s, &s->lines[a.a], h, a.rmw);
			return;
		case A_LOGIC:
			do_logic(s, h, &a);
			break;
		}
	}
}

/* ---- set-up ---- */

static int setup(struct sim *s)
{
	const struct machine *m = s->c->m;
	int pairs = s->c->tasks, ncores = machine_cores(m), nl;

	s->nhw = m->nr_cpus;
	s->ntasks = s->c->wl == WLP_CS1 ? 2 * pairs : pairs;
	s->nmm = s->c->mode == WM_THREADS ? 1 : s->ntasks;
	s->npipes = s->c->wl == WLP_CS1 ? 2 * pairs : 0;
	s->hw = calloc((size_t)s->nhw, sizeof(*s->hw));
	s->tasks = calloc((size_t)s->ntasks, sizeof(*s->tasks));
	s->pipes = calloc((size_t)s->npipes + 1, sizeof(*s->pipes));
	s->l_count = 0;
	s->l_mask = s->nmm;
	s->l_rq = 2 * s->nmm;
	s->l_pi = s->l_rq + s->nhw;
	s->l_pipe = s->l_pi + s->ntasks;
	nl = s->l_pipe + s->npipes;
	s->lines = calloc((size_t)nl, sizeof(*s->lines));
	if (!s->hw || !s->tasks || !s->pipes || !s->lines)
		return -1;
	for (int i = 0; i < nl; i++)
		line_init(&s->lines[i]);
	for (int h = 0; h < s->nhw; h++) {
		s->hw[h] = (struct hw){ .cur = -1, .rq_head = -1, .rq_tail = -1, .idle = true,
					.loaded_mm = -1, .timer_task = -1, .holding = -1, .lnext = -1 };
		s->lines[s->l_rq + h].owner = h;
	}
	for (int p = 0; p < s->npipes; p++)
		s->pipes[p].waiter = -1;
	for (int t = 0; t < s->ntasks; t++) {
		struct task *tk = &s->tasks[t];
		int unit = s->c->wl == WLP_CS1 ? t / 2 : t;          /* pair or task index */

		tk->mm = s->c->mode == WM_THREADS ? 0 : t;
		tk->rq_next = -1;
		if (s->c->placement == PL_BENCH) {
			/* lazymm bench: pair i on CPUs 2i, 2i+1; idle_cycle task i on CPU i */
			tk->hw = t % s->nhw;
			tk->core = tk->hw / m->smt;
		} else {
			/* will-it-scale: unit i on core i mod ncores; the k-th task
			 * placed on a core starts on its thread k mod smt */
			int k = (unit / ncores) * (s->c->wl == WLP_CS1 ? 2 : 1) +
				(s->c->wl == WLP_CS1 ? t % 2 : 0);

			tk->core = unit % ncores;
			tk->hw = machine_hwt(m, tk->core, k % m->smt);
		}
		if (s->c->wl == WLP_CS1) {
			/* pair i: pipe A = 2i (main -> partner), B = 2i + 1 */
			tk->main = t % 2 == 0;
			tk->pout = t;
			tk->pin = tk->main ? t + 1 : t - 1;
		}
		s->lines[s->l_pi + t].owner = tk->hw;
		s->lines[s->l_count + tk->mm].owner = tk->hw;
		s->lines[s->l_mask + tk->mm].owner = tk->hw;
	}
	for (int p = 0; p < s->npipes; p++)
		s->lines[s->l_pipe + p].owner = s->tasks[p].hw;
	/* the tasks start runnable on their threads */
	s->now = 0;
	for (int t = 0; t < s->ntasks; t++)
		enqueue(s, t, s->tasks[t].hw);
	return 0;
}

int sim_run(const struct sim_cfg *c, struct sim_result *r)
{
	struct sim s;
	uint64_t in_flight = 0;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	s.c = c;
	s.sc = c->s;
	s.rng = (c->seed + 1) * 0x9E3779B97F4A7C15ULL;
	if (!s.rng)
		s.rng = 1;
	s.t_start = c->warmup_ns;
	s.t_end = c->warmup_ns + c->window_ns;
	if (setup(&s) != 0) {
		rc = -1;
		goto out;
	}
	while (s.nheap > 0) {
		struct ev e = sim_pop(&s);

		if (e.t > s.t_end)
			break;
		s.now = e.t;
		s.events++;
		run_hw(&s, e.h);
	}
	/* conservation: every started round trip completed or is in flight
	 * (its main task has written and not yet read the answer) */
	for (int t = 0; t < s.ntasks; t++)
		if (s.tasks[t].main && s.tasks[t].sent)
			in_flight++;
	r->ops_per_sec = (double)s.ops / (c->window_ns * 1e-9);
	r->ops = s.ops;
	r->round_trips = s.completed;
	r->started = s.started;
	r->in_flight = in_flight;
	memcpy(r->switches, s.switches, sizeof(r->switches));
	r->line_waits = s.waits;
	r->rmw_wait_ns = s.waits ? s.wait_ns / (double)s.waits : 0;
	memcpy(r->count_grants, s.count_grants, sizeof(r->count_grants));
	r->events = s.events;
out:
	free(s.hw);
	free(s.tasks);
	free(s.pipes);
	free(s.lines);
	free(s.heap);
	return rc;
}

/*
 * One line, n hardware threads: each does an RMW on it, then works
 * think_ns (p->switch_ns), forever.  The closed system the tests compare
 * with its closed-form throughput (tests/predict/unit.c).  Returns the
 * accesses per second in the window and the mean queueing time.
 */
int sim_one_line(const struct machine *m, const struct sim_point *p, int n, uint64_t seed,
		 double window_ns, double *per_sec, double *mean_wait_ns)
{
	struct sim_cfg c = { .m = m, .p = *p, .seed = seed, .warmup_ns = window_ns / 4,
			     .window_ns = window_ns };
	struct sim s;

	if (n < 1 || n > m->nr_cpus)
		return -1;
	memset(&s, 0, sizeof(s));
	s.c = &c;
	s.rng = (seed + 1) * 0x9E3779B97F4A7C15ULL;
	s.nhw = n;
	s.hw = calloc((size_t)n, sizeof(*s.hw));
	s.lines = calloc(1, sizeof(*s.lines));
	if (!s.hw || !s.lines) {
		free(s.hw);
		free(s.lines);
		return -1;
	}
	line_init(&s.lines[0]);
	s.t_start = c.warmup_ns;
	s.t_end = c.warmup_ns + c.window_ns;
	for (int h = 0; h < n; h++) {
		struct seq q = { .n = 0 };

		s.hw[h] = (struct hw){ .cur = -1, .rq_head = -1, .rq_tail = -1, .loaded_mm = -1,
				       .timer_task = -1, .holding = -1, .lnext = -1 };
		q_line(&q, 0, true);
		q_work(&q, p->switch_ns);
		q_logic(&q, L_LOOP, 0, 0);
		push_seq(&s, h, &q);
		sim_at(&s, 0, h);
	}
	while (s.nheap > 0) {
		struct ev e = sim_pop(&s);

		if (e.t > s.t_end)
			break;
		s.now = e.t;
		run_hw(&s, e.h);
	}
	*per_sec = (double)s.ops / (window_ns * 1e-9);
	*mean_wait_ns = s.waits ? s.wait_ns / (double)s.waits : 0;
	free(s.hw);
	free(s.lines);
	free(s.heap);
	return 0;
}
