/*
 * lazymm-defs.pml - shared state and definitions of the lazymm SPIN models.
 *
 * Each scheme model (refcount.pml, shootdown.pml, hazptr.pml, tlbstate.pml)
 * includes this file first, then defines its hooks, then includes
 * lazymm.pml (the protocol code, the CPUs and the checkers).  The hooks:
 *
 *   grab(me, m)          mmgrab_lazy_tlb()        irqs off (inside an atomic step)
 *   drop_sched(me, m)    mmdrop_lazy_tlb_sched()  finish_task_switch(), irqs on
 *   drop_switched(me, m) exec_mmap() lazy drop    irqs off, on the CPU that switched
 *   drop_preempt(me, m)  exec_mmap() lazy drop    irqs on, preemptible (after a migration)
 *   cleanup(me)          cleanup_lazy_tlbs()      __mmdrop(), irqs on, may wait for IPIs
 *   shoot(me)            do_shoot_lazy_tlb()      IPI handler body, irqs off
 *   pre_switch_mm(me)    context_switch() just before switch_mm_irqs_off() (mutant hook)
 *   left_lazy(me)        flush_tlb_func() evicted this lazy CPU (x86), irqs off
 *   mmput_last(me)       __mmput() after exit_mmap(), mm_users == 0 (Lutomirski's
 *                        schemes turn lazy users into references there)
 *   next_switch(me)      the CPU's next context switch after its script ends
 *                        (andy2022's mmdrop_lazy() runs after every switch)
 *
 * The names are the kernel's (v6.11) and the C model's (model/sched.c, model/mm.c,
 * model/tlb.c; the hooks are struct lazy_tlb_ops in model/lazy/lazy.h).
 * docs/verification.md describes what is modeled and what is abstracted.
 *
 * Configuration (cpp, passed as spin -D...):
 *   NCPU 2|3        CPUs.  CPU0 runs thread 0 of MM; CPUs 1.. start lazy on MM.
 *   NTHR 1|2        threads of MM.  With 2, thread 1 starts running on CPU1.
 *   NSWITCH n       how often a thread may be switched out before it must exit.
 *   MUNMAP          threads may do one munmap() flush each (freed_tables = 0).
 *   HOLDER          MM starts with one more mm_count reference (khugepaged,
 *                   procfs): any CPU may drop it at any time, so the final
 *                   mmdrop() and __mmdrop() can run on any CPU.
 *   TSO             x86-TSO store buffer for is_lazy (the only plain store in a
 *                   store->load handshake), see store_is_lazy().
 *   SCEN_EXEC       thread 0 is a kernel thread lazy on SMM that execs into MM
 *                   (usermodehelper); CPUs 1.. start running SMM's user task.
 *   ARCH_PPC        powerpc book3s64 MMU rules (shootdown model): switch_mm never
 *                   clears mm_cpumask bits, lazy CPUs keep the context loaded,
 *                   exit_mmap flushes by tlbie broadcast, no IPI.  shootdown.pml
 *                   sets it unless SHOOTDOWN_X86 (x86 v6.11 rules instead).
 *   STRICT_I2       also flag the v6.11 window in switch_mm_irqs_off() between
 *                   cpumask_clear_cpu(prev) and the CR3 write (see the docs).
 *   CPUMASK_CLEAR_LATE  x86 switch_mm_irqs_off() clears this CPU's bit in
 *                   mm_cpumask(prev) only after CR3 and switch_ldt() are done
 *                   with prev (andy2020/andy2022 set it unless MUTANT_AS_POSTED).
 *   SWITCH_LDT_EARLY  read prev->context.ldt (switch_ldt()) before loaded_mm =
 *                   next is published, not after it as v6.11 does (tlbstate
 *                   sets it unless V611_SWITCH_LDT; see the docs).
 *   MUTANT_<NAME>   a broken twin; each scheme's header lists its own.
 *   PROBE           an expression: report the first state where it holds
 *                   (a reachability check; verify/run.sh writes it).
 *
 * Safety properties (assert):
 *   I1  no CPU's CR3 root points at a freed pgd              (monitor)
 *   I2  no CPU's CR3 reaches freed lower page tables          (monitor)
 *   I3  no dereference of a freed mm_struct                   (at each access)
 *   I4  no CPU runs user code of MM with a stale tlb_gen      (monitor)
 *   LEAK once every CPU is done, MM has been freed             (leakcheck)
 * plus SPIN's own check that every process ends in a valid end state (no
 * deadlock, e.g. two CPUs waiting for each other's IPIs).
 */

#ifndef NCPU
#define NCPU 2
#endif
#ifndef NTHR
#define NTHR 1
#endif
#ifndef NSWITCH
#define NSWITCH 1
#endif

/* ------------------------------------------------------------------ mms -- */
#define NOMM      0     /* NULL */
#define INIT_MM   1     /* init_mm: never freed */
#define MM        2     /* the tracked mm: its last thread exits in every run */
#define SMM       3     /* a survivor mm with a user task per CPU; untracked */
#define SWITCHING 4     /* LOADED_MM_SWITCHING, only ever in loaded_mm */

/* ---------------------------------------------------------------- tasks -- */
#define IDLE 0          /* this CPU's idle task (a kernel thread) */
#define UTS  1          /* this CPU's pinned user task of SMM */
#define TH(i)    (2 + (i))
#define IS_TH(t) ((t) >= 2)
#define TIDX(t)  ((t) - 2)
/* task->mm of a task (NOMM for kernel threads) */
#define TASK_MM(t) ((t) == IDLE -> NOMM : ((t) == UTS -> SMM : t_mm[TIDX(t)]))
#define RUNNABLE(i) (!t_run[i] && !t_dead[i])

/* ----------------------------------------------------------- MM's state -- */
byte mm_users;          /* MM->mm_users */
byte mm_count;          /* MM->mm_count */
bool mm_freed;          /* __mmdrop() done: pgd and mm_struct freed (and context id) */
bool tables_freed;      /* exit_mmap() freed the lower-level page tables */
bool has_tables;        /* MM has page tables, so exit_mmap() flushes (freed_tables) */
byte tlb_gen;           /* MM->context.tlb_gen */
byte done_gen;          /* checker only: highest tlb_gen whose flush completed */
byte mask;              /* mm_cpumask(MM), bit c = CPU c */
#define MASK_HAS(c)   ((mask >> (c)) & 1)
#define GEN_OF(m)     ((m) == MM -> tlb_gen : 0)

/* -------------------------------------------------------- per-CPU state -- */
byte cur[NCPU];         /* rq->curr */
byte active_mm[NCPU];   /* current->active_mm */
byte loaded_mm[NCPU];   /* cpu_tlbstate.loaded_mm (SWITCHING while CR3 changes) */
byte cr3[NCPU];         /* the MMU root: whose pgd is in CR3 (PID/context on ppc) */
bool is_lazy[NCPU];     /* cpu_tlbstate_shared.is_lazy, as memory holds it */
byte cpu_gen[NCPU];     /* ctxs[loaded asid].tlb_gen: up to where this CPU's TLB is current */
bool in_user[NCPU];     /* checker only: cur (a thread of MM) runs user code */
bool sw_away[NCPU];     /* checker only: between cpumask_clear_cpu(prev) and CR3 write */
byte hp_slot[NCPU];     /* hazptr: the per-CPU hazard slot */
bool irqs_off[NCPU];    /* in an irqs-off region that spans several steps */
byte ndone;             /* CPUs that finished their script */
bool holder;            /* HOLDER: another mmgrab() reference is still held */
byte freer;             /* checker only: CPU + 1 that runs __mmdrop(MM) */

/* ----------------------------------------------------- threads of MM ----- */
bool t_run[NTHR];       /* on a CPU (on_cpu) */
bool t_dead[NTHR];
byte t_mm[NTHR];        /* task->mm: MM, or NOMM after exit_mm() / before exec */
byte t_sw[NTHR];        /* switch-outs left */
bool t_exec[NTHR];      /* SCEN_EXEC: still has to exec */
byte t_pend[NTHR];      /* exec's lazy drop still to do where it runs next */
bool t_unmap[NTHR];     /* MUNMAP: may still do a munmap() flush */

/* ------------------------------------------------------------------ IPIs -- */
#define F_FLUSH 1       /* flush_tlb_func(), arg = new_tlb_gen */
#define F_SHOOT 2       /* do_shoot_lazy_tlb(MM) */
/* One csd per (sender, target) at most: a sender waits before sending again. */
chan ipiq[NCPU] = [NCPU] of { byte, byte, byte };   /* func, arg, sender */
byte ipi_wait[NCPU];    /* acks a sender still waits for */

/* Names the assertions print: constants, so they do not change the state count. */
bit I1_cr3_root_not_freed = 1;
bit I2_no_walk_of_freed_tables = 1;
bit I3_mm_struct_not_freed = 1;
bit I4_tlb_gen_current_in_user = 1;
bit LEAK_mm_freed_at_end = 1;

/* I3: every dereference of an mm goes through this. */
#define DEREF(m) assert(I3_mm_struct_not_freed && ((m) != MM || !mm_freed))

/* ------------------------------------------------------- x86-TSO model -- */
/*
 * Only is_lazy goes through a store buffer: it is the one plain store that
 * another CPU reads in a store->load (Dekker) handshake, the lazy return of
 * switch_mm_irqs_off() vs tlb_is_not_lazy() [pair:lazy-gen].  Every other
 * shared write in the protocols is a LOCK'd RMW (mm_count, mm_users, tlb_gen,
 * mm_cpumask) or is followed by one before another CPU can depend on it.
 * One entry is enough for one boolean variable that is written only when it
 * changes: a remote reader can see only "old" or "new" either way.  The
 * tso process commits it at any time; smp_mb(), a LOCK'd RMW and the
 * serializing CR3 write drain it first.
 */
#ifdef TSO
byte sb_lazy[NCPU];     /* 0: empty, 1: "is_lazy = false" pending, 2: "= true" pending */
#define LAZY_SELF(c) (sb_lazy[c] != 0 -> sb_lazy[c] - 1 : is_lazy[c])
inline smp_mb(c)
{
	if
	:: sb_lazy[c] != 0 -> is_lazy[c] = sb_lazy[c] - 1; sb_lazy[c] = 0
	:: else -> skip
	fi
}
inline store_is_lazy(c, v)
{
	smp_mb(c);      /* a full one-entry buffer commits the older store first */
	sb_lazy[c] = v + 1;
	printf("cpu%d: is_lazy = %d, in the store buffer\n", c, v)
}
#else
#define LAZY_SELF(c) is_lazy[c]
inline smp_mb(c) { skip }
inline store_is_lazy(c, v) { is_lazy[c] = v }
#endif

