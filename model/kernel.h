/*
 * kernel.h - the model's kernel functions, by the kernel file each models.
 */
#ifndef LAZYMM_KERNEL_H
#define LAZYMM_KERNEL_H

#include "machine.h"

/* smp.c - irqs and IPIs (kernel/smp.c, arch/x86/include/asm/irqflags.h) */
void local_irq_disable(void);
void local_irq_enable(void);
unsigned long local_irq_save(void);
void local_irq_restore(unsigned long flags);
bool irqs_disabled(void);
void preempt_disable(void);
void preempt_enable(void);
int smp_call_function_single(int cpu, void (*func)(void *), void *info, int wait);
void smp_call_function_many(const uint64_t *mask, void (*func)(void *), void *info, int wait);
void on_each_cpu_mask(const uint64_t *mask, void (*func)(void *), void *info, int wait);
void on_each_cpu_cond_mask(bool (*cond)(int cpu, void *info), void (*func)(void *),
			   void *info, int wait, const uint64_t *mask);
void generic_smp_call_function_interrupt(void);
void lm_irq_poll(void);
int smp_init_signals(void);

/* sched.c - kernel/sched/core.c */
void schedule(void);
void try_to_wake_up(struct task_struct *p, int cpu_hint);
void wake_up_new_task(struct task_struct *p, int cpu);
void context_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next);
void finish_task_switch(struct task_struct *prev);
void do_task_dead(void);
void cpu_loop(struct lm_cpu *c);
void activate_task_on(struct task_struct *p, int cpu);
struct task_struct *task_alloc(unsigned int flags, task_step_fn step, void *prog);
void sched_init_cpu(struct lm_cpu *c);
void idle_task_exit(void);
void finish_cpu(int dead_cpu);
int select_task_rq(struct task_struct *p, int hint);

/* cpu.c - kernel/cpu.c: hot-unplug and hot-plug while running */
void set_cpu_online(int cpu, bool online);
int cpuhp_fallback_cpu(int cpu);
void take_cpu_down(void);
void cpuhp_idle_dead(void);
void cpuhp_bringup(void);
bool cpuhp_step(struct lm_cpu *c);
bool cpu_is_dead(int cpu);
void cpuhp_bp_sync_dead(int cpu);
bool cpu_is_up(int cpu);
void cpu_down_request(int cpu);
void cpu_up_request(int cpu);
void cpuhp_wait_dying(int cpu);
void lockdep_assert_preemption_enabled(const char *site);

/* tlb.c - arch/x86/mm/tlb.c */
void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk);
void switch_mm_irqs_off(struct mm_struct *unused, struct mm_struct *next, struct task_struct *tsk);
void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk);
void leave_mm(void);
void flush_tlb_mm_range(struct mm_struct *mm, bool full, bool freed_tables);
void flush_tlb_func(void *info);
void initialize_tlbstate_and_flush(void);
bool cpumask_test_cpu(int cpu, const _Atomic uint64_t *mask);
void cpumask_snapshot(const _Atomic uint64_t *mask, uint64_t *out);
int cpumask_weight_snapshot(const _Atomic uint64_t *mask);
void touch_user_memory(struct mm_struct *mm);
void speculative_walk(void);

/* mm.c - kernel/fork.c, exit.c, fs/exec.c, kthread.c, mm/mmap.c */
struct mm_struct *mm_alloc(void);
struct mm_struct *dup_mm(struct mm_struct *oldmm);
void mmget(struct mm_struct *mm);
bool mmget_not_zero(struct mm_struct *mm);
void mmput(struct mm_struct *mm);
void mmgrab(struct mm_struct *mm);
void mmdrop(struct mm_struct *mm);
void __mmdrop(struct mm_struct *mm);
void mmgrab_lazy_tlb(struct mm_struct *mm);
void mmdrop_lazy_tlb(struct mm_struct *mm);
void mmdrop_lazy_tlb_sched(struct mm_struct *mm);
void exit_mm(void);
int exec_mmap(struct mm_struct *mm);
int kthread_use_mm(struct mm_struct *mm);
void kthread_unuse_mm(struct mm_struct *mm);
int do_mmap(struct mm_struct *mm);
void do_munmap(struct mm_struct *mm);

/* membarrier.c - kernel/sched/membarrier.c (and the checker of I9) */
int membarrier_private_expedited(void);
void membarrier_register_private_expedited(struct mm_struct *mm);
void membarrier_switch_mm(struct rq *rq, struct mm_struct *prev_mm, uint32_t prev_gen,
			  struct mm_struct *next_mm);
void membarrier_update_current_mm(struct mm_struct *next_mm);
void membarrier_exec_mmap(struct mm_struct *mm);
void membarrier_note_curr_store(struct rq *rq, struct task_struct *prev, struct task_struct *next);
void membarrier_note_mm_store(void);
void membarrier_user_access(void);
void membarrier_violation_here(const char *site);

/* efi.c - arch/x86/platform/efi/efi_64.c: a temporary mm */
extern struct mm_struct efi_mm;
void efi_mm_init(void);
void efi_enter_mm(void);
void efi_leave_mm(void);

#endif /* LAZYMM_KERNEL_H */
