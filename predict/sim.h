/*
 * sim.h - the simulator's private state (predict/sim.c, predict/line.c).
 */
#ifndef LAZYMM_PREDICT_SIM_H
#define LAZYMM_PREDICT_SIM_H

#include "predict.h"

enum act_kind { A_WORK, A_LINE, A_LOGIC };

struct act {
	uint8_t kind, code;
	bool rmw;
	int a, b;
	double ns;
};

#define ACT_STACK 96

struct line {
	int owner;          /* hardware thread whose cache holds it; -1: memory */
	int holder;         /* access in progress, -1: none */
	int head, tail;     /* waiting hardware threads, through hw.lnext */
	int nwait;
	double land;        /* timing: when it reached its current CCX */
};

struct hw {
	int cur;            /* running task, -1: idle task */
	int rq_head, rq_tail;
	bool idle;          /* nothing to do until woken */
	bool waking;        /* an idle exit is under way */
	int loaded_mm;      /* cpu_tlbstate.loaded_mm: an mm index, -1: init_mm */
	int timer_task;     /* idle_cycle: the task its timer wakes, -1: none */
	int holding;        /* line held by the access in progress, -1: none */
	int lnext;          /* next in a line's wait queue */
	bool want_rmw;
	bool arb_local;     /* timing: asked while the line was in its CCX */
	double wait_since;
	double arb_key;     /* timing: when its request was issued (or re-sent) */
	int sp;
	struct act stack[ACT_STACK];
};

enum tstate { T_RUNNING, T_QUEUED, T_BLOCKED };

struct task {
	int hw;             /* where it runs or last ran */
	int core;           /* its affinity: both threads of this core */
	enum tstate state;
	int mm;
	bool main;          /* cs1: the task that writes first and counts */
	bool sent;          /* cs1 main: a round trip is under way */
	bool begun;         /* has run once */
	int pin, pout;      /* pipes */
	int rq_next;
};

struct pipe {
	int tokens;
	int waiter;         /* blocked reader, -1: none */
};

struct ev {
	double t;
	uint64_t seq;
	int h;
};

struct sim {
	const struct sim_cfg *c;
	const struct sim_scheme *sc;
	int nhw, ntasks, nmm, npipes;
	struct hw *hw;
	struct task *tasks;
	struct pipe *pipes;
	struct line *lines;        /* mm_count[nmm], cpumask[nmm], rq[nhw], pi[ntasks], pipe[npipes] */
	int l_count, l_mask, l_rq, l_pi, l_pipe;
	struct ev *heap;
	int nheap, capheap;
	uint64_t seq, rng;
	double now, t_start, t_end;
	/* results */
	uint64_t ops, started, completed, switches[TP_NR], events;
	uint64_t waits;
	double wait_ns;
	uint64_t count_grants[D_NR];   /* mm_count grants in the window, by distance */
};

void sim_at(struct sim *s, double t, int h);
struct ev sim_pop(struct sim *s);     /* the earliest event; the heap is not empty */
double sim_rand01(struct sim *s);
void line_init(struct line *l);
bool line_request(struct sim *s, struct line *l, int h, bool rmw);
void line_release(struct sim *s, struct line *l);

#endif /* LAZYMM_PREDICT_SIM_H */
