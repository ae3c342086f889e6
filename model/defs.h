/*
 * defs.h - the model's sizes and forward declarations.
 */
#ifndef LAZYMM_DEFS_H
#define LAZYMM_DEFS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shim.h"

#define NR_CPUS_MAX        64
#define TLB_NR_DYN_ASIDS   6      /* arch/x86/include/asm/tlbflush.h */
#define MM_MAX_TABLES      8      /* lower-level page tables per model mm */
#define PSC_ENTRIES        4      /* paging-structure cache entries per CPU */
#define EVENT_RING         32     /* per-CPU event ring, a power of two */

struct mm_struct;
struct task_struct;
struct lazy_tlb_ops;
struct lm_cpu;

/* For the X-macro lists (counters.h, invariants.h, points.h): the enum
 * entry of one element. */
#define LM_ENUM_ENTRY(id, ...) id,

/* x86's marker for "CR3 is being changed" (tlb.c: LOADED_MM_SWITCHING). */
#define LOADED_MM_SWITCHING ((struct mm_struct *)1UL)

#endif /* LAZYMM_DEFS_H */
