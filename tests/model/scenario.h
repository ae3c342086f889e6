/*
 * scenario.h - the deterministic scenario engine and its table (tests/model).
 *
 *   scenario-engine.c  the CPUs' mailbox, the controller's primitives, the
 *                      actions a CPU runs, scenario_run_by_index()
 *   scenarios.c        the scenarios and their table
 *   scenario-main.c    the `scenario` test program (`lazymm scenario`)
 *   mutants.c          the `mutants` test program (`lazymm mutants`)
 *
 * A scenario runs on the host thread as the controller: it posts actions
 * to CPUs (sc_do: post and wait; sc_post: post only), arms park points
 * (sc_break), waits for a CPU to park (sc_wait_parked) and releases it.
 */
#ifndef LAZYMM_TESTS_SCENARIO_H
#define LAZYMM_TESTS_SCENARIO_H

#include "../../cli/cli.h"

struct scenario {
	const char *name;
	const char *desc;
	int cpus;
	bool reuse;
	bool exposes;     /* a missing lazy reference makes it fail (none) */
	int (*run)(void);
};

extern const struct scenario scenarios[];
extern const int nr_scenarios;

struct scenario_result { int violations; bool passed; const char *why; };
int scenario_count(void);
const char *scenario_name(int i);
/* -1 if the machine could not be brought up */
int scenario_run_by_index(int i, const struct lazy_tlb_ops *ops, const char *mutant,
			  bool quiet, struct scenario_result *res);

/* ---- the controller ---- */
extern int sc_preempt_to;          /* a preemption point moves the task here (-1: none) */
bool sc_wait(const char *what, bool (*cond)(int), int arg);
/* cpu finished, or it is blocked on a parked CPU: waiting for an IPI to a
 * CPU parked with irqs off, or for a CPU in the offline window */
bool done_or_blocked_cond(int cpu);
bool sc_idle(int cpu);             /* cpu finished its action */
bool parked_or_idle_cond(int cpu); /* cpu parked at its break, or finished */
void sc_post(int cpu, void (*fn)(void *), void *arg);
void sc_do(int cpu, void (*fn)(void *), void *arg);
void sc_break(int cpu, int point);
void sc_wait_parked(int cpu);
void sc_release(int cpu);
void sc_sync(int cpu);

/* ---- actions, run on a CPU ---- */
void act_switch_to(void *arg);     /* arg: the task */
void act_schedule(void *arg);
void act_block(void *arg);
void act_exit(void *arg);
void act_touch(void *arg);
void act_walk(void *arg);
void act_munmap(void *arg);
void act_exec(void *arg);          /* arg: the new mm */
void act_irqs_off_hold(void *arg);
void act_kthread_cycle(void *arg); /* arg: the mm */
void act_mmdrop_atomic(void *arg);
void act_mmgrab(void *arg);

/* ---- scenarios-barriers.c (I9, I13, I14) ---- */
int sc_membarrier_cid(void);
int sc_membarrier_k2u(void);
int sc_membarrier_ipi(void);
int sc_ibpb_reuse(void);
int sc_efi_temp_mm(void);

/* ---- building blocks ---- */
struct mm_struct *new_mm(bool map);
struct task_struct *new_user(struct mm_struct *mm, bool first);
struct task_struct *new_kthread(void);
void sc_run_fresh(int cpu);

/* ---- scenarios-windows.c: the windows of the offline, exec,
 * kthread_use_mm and exit_mm paths (issue 11) ---- */
int sc_offline_window(void);
int sc_exec_irqs_on_window(void);
int sc_kthread_use_window(void);
int sc_kthread_use_preempt(void);
int sc_exit_mm_window(void);
void act_zap_ptes(void *arg);      /* a flush without freed_tables */

#endif /* LAZYMM_TESTS_SCENARIO_H */
