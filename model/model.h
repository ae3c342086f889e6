/*
 * model.h - the executable model of Linux's lazy-TLB machinery (v6.11, x86).
 *
 * One host thread per simulated CPU.  Tasks are not host threads: a task is
 * a state machine that the CPU running it advances one step at a time, and
 * the scheduler runs between steps (see docs/model.md, "Departures").
 * The file layout follows the kernel's:
 *
 *   model/sched.c   kernel/sched/core.c   schedule, context_switch, ...
 *   model/tlb.c     arch/x86/mm/tlb.c     switch_mm_irqs_off, flushes
 *   model/mm.c      kernel/fork.c, exit.c, fs/exec.c, kthread.c, mm/mmap.c
 *   model/smp.c     kernel/smp.c          IPIs, irqs on/off
 *   model/machine.c (no kernel equivalent) bring-up, shutdown, time, rng
 *   model/check.c   the checkers and the invariant catalogue
 *   model/alloc.c   the allocator, the quarantine, the leak check
 *   model/stats.c   counter names and totals
 *   model/trace.c   the event ring, point names, the state dump
 *   model/harness.c the one runner every driver uses (harness.h)
 *   model/lazy/     one file per lazy-mm tracking scheme
 *
 * This header is the umbrella; the areas have their own headers:
 *
 *   defs.h        sizes, forward declarations
 *   counters.h    enum lm_counter and totals
 *   invariants.h  enum lm_invariant, the checkers
 *   objects.h     page tables, mm_struct, task_struct, the allocator
 *   percpu.h      struct lm_cpu and the per-CPU kernel state
 *   machine.h     config, hooks, mutations, `lm`, current, smp_mb()
 *   points.h      model points, ring events
 *   wait.h        the bounded spin-wait and raw_spin_lock()
 *   kernel.h      the kernel functions the model provides
 */
#ifndef LAZYMM_MODEL_H
#define LAZYMM_MODEL_H

#include "defs.h"
#include "counters.h"
#include "invariants.h"
#include "objects.h"
#include "percpu.h"
#include "machine.h"
#include "points.h"
#include "wait.h"
#include "kernel.h"

#endif /* LAZYMM_MODEL_H */
