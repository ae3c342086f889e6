/*
 * efi.c - a temporary mm switch and back: efi_enter_mm()/efi_leave_mm().
 *
 * Models arch/x86/platform/efi/efi_64.c (v6.11).  EFI runtime services run
 * on efi_mm, entered from a kernel thread (the efi_rts_wq worker): v6.11
 * saves current->active_mm, switches to efi_mm, and on the way out makes
 * the saved mm active again and switches back to it.  In a kernel thread
 * the saved mm is the lazy mm it borrowed, and while the CPU runs on
 * efi_mm nothing but the scheme's lazy reference keeps that mm alive: the
 * exit flush, a shootdown keyed on mm_cpumask or on loaded_mm, and a
 * hazard-pointer shootdown keyed on active_mm all miss this CPU.  The
 * switch back would then load a freed pgd (I1, I3, I14).
 *
 * The fix (lm.x86.efi_leave_init_mm; the kernel series' efi_64.c change
 * for tlbstate): a kernel thread gives its lazy mm up once it is on
 * efi_mm, as kthread_use_mm() does (the scheme's drops), and comes back
 * to init_mm.  A user task's active_mm is its own mm, pinned by mm_users.
 */
#include <string.h>

#include "model.h"
#include "lazy/lazy.h"

struct mm_struct efi_mm;
static struct pgtable efi_pgd = { .state = OBJ_LIVE, .gen = 0, .level = 4, .owner_id = -2 };
static struct mm_struct *efi_prev_mm;
static uint32_t efi_prev_gen;

/* efi_mm is static, like init_mm: never freed, its counters untouched. */
void efi_mm_init(void)
{
	memset(&efi_mm, 0, sizeof(efi_mm));
	atomic_store_explicit(&efi_mm.state, OBJ_LIVE, memory_order_relaxed);
	atomic_store_explicit(&efi_mm.mm_users, 1 << 30, memory_order_relaxed);
	atomic_store_explicit(&efi_mm.mm_count, 1 << 30, memory_order_relaxed);
	atomic_store_explicit(&efi_mm.id, -2, memory_order_relaxed);
	efi_mm.pgd = &efi_pgd;
	efi_mm.ctx_id = UINT64_MAX;      /* never a real mm's */
	efi_prev_mm = NULL;
}

/* Models efi_enter_mm(); called by one kernel thread at a time (the
 * kernel serializes EFI calls with efi_runtime_lock). */
void efi_enter_mm(void)
{
	struct task_struct *tsk = current;
	bool give_up = lm.x86.efi_leave_init_mm && !tsk->mm;
	struct mm_struct *lazy = tsk->active_mm;

	efi_prev_mm = give_up ? &init_mm : tsk->active_mm;
	efi_prev_gen = give_up ? 0 : tsk->active_mm_gen;
	tsk->active_mm = &efi_mm;
	tsk->active_mm_gen = 0;
	switch_mm(efi_prev_mm, &efi_mm, NULL);
	if (give_up && lazy != &init_mm) {
		unsigned long flags = local_irq_save();

		if (lazy_ops()->drop_switched)
			lazy_ops()->drop_switched(lazy);
		local_irq_restore(flags);
		mmdrop_lazy_tlb(lazy);
	}
}

/* Models efi_leave_mm(). */
void efi_leave_mm(void)
{
	struct task_struct *tsk = current;
	struct mm_struct *mm = efi_prev_mm;

	if (mm != &init_mm &&
	    !check_mm(mm, efi_prev_gen, INV_ACTIVE_MM, "efi_leave_mm: back to the saved active_mm")) {
		mm = &init_mm;              /* reported; do not load it */
		efi_prev_gen = 0;
	}
	tsk->active_mm = mm;
	tsk->active_mm_gen = efi_prev_gen;
	switch_mm(&efi_mm, mm, NULL);
}
