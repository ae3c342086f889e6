/*
 * tlb.c - x86 per-CPU TLB state, mm switching and TLB flushes.
 *
 * Models arch/x86/mm/tlb.c (v6.11): enter_lazy_tlb(), switch_mm_irqs_off(),
 * leave_mm(), flush_tlb_mm_range(), native_flush_tlb_multi(),
 * flush_tlb_func(), with cpu_tlbstate/cpu_tlbstate_shared as per-CPU state,
 * and the "hardware" a CPU carries: CR3 (a pointer to the loaded page-table
 * root, with its PCID) and a small paging-structure cache that the
 * speculative walker re-walks.  Real TLB contents are not modeled: only the
 * per-ASID tlb_gen bookkeeping that decides whether a CPU is current.
 */
#include "model.h"
#include "lazy/lazy.h"

struct mm_struct init_mm;

bool cpumask_test_cpu(int cpu, const _Atomic uint64_t *mask)
{
	return (atomic_load_explicit(&mask[cpu / 64], memory_order_relaxed) >> (cpu % 64)) & 1;
}

/* Read the whole mask.  seq_cst: this load is the second half of the
 * flusher's store->load pattern (tlb_gen++ ; read mm_cpumask)
 * [pair:cpumask-gen], see cpumask_set_cpu() in switch_mm_irqs_off(). */
void cpumask_snapshot(const _Atomic uint64_t *mask, uint64_t *out)
{
	for (int i = 0; i < NR_CPUS_MAX / 64; i++)
		out[i] = atomic_load_explicit(&mask[i], memory_order_seq_cst);
}

int cpumask_weight_snapshot(const _Atomic uint64_t *mask)
{
	int n = 0;

	for (int i = 0; i < NR_CPUS_MAX / 64; i++)
		n += __builtin_popcountll(atomic_load_explicit(&mask[i], memory_order_relaxed));
	return n;
}

/* A LOCK'd bit operation: only the owning CPU writes its bit, with irqs off. */
static void cpumask_set_cpu(int cpu, _Atomic uint64_t *mask)
{
	atomic_fetch_or_explicit(&mask[cpu / 64], 1ULL << (cpu % 64), memory_order_seq_cst);
	note_locked_op(CNT_RMW_CPUMASK);
}

static void cpumask_clear_cpu(int cpu, _Atomic uint64_t *mask)
{
	atomic_fetch_and_explicit(&mask[cpu / 64], ~(1ULL << (cpu % 64)), memory_order_seq_cst);
	note_locked_op(CNT_RMW_CPUMASK);
}

static void psc_invalidate_asid(struct cpu_hw *hw, uint16_t asid)
{
	for (int i = 0; i < PSC_ENTRIES; i++)
		if (hw->psc[i].asid == asid)
			hw->psc[i].valid = false;
}

/*
 * Models load_new_mm_cr3() (tlb.c): write CR3 with the new root and PCID,
 * flushing that PCID's entries or not.  A CR3 write is serializing on x86:
 * the full barrier that membarrier relies on when the mm changes
 * (pairs with membarrier's own smp_mb; see context_switch()).
 */
static void load_new_mm_cr3(struct mm_struct *mm, uint16_t asid, bool flush)
{
	struct cpu_hw *hw = &lm_this->hw;
	struct pgtable *pgd = mm->pgd;

	/* Loading a root that is already freed is itself the I1 violation. */
	check_pgtable(pgd, atomic_load_explicit(&pgd->gen, memory_order_relaxed),
		      INV_ROOT, "load_new_mm_cr3");
	if (flush) {
		psc_invalidate_asid(hw, asid);
		count_event(CNT_CR3_FLUSH);
	}
	count_event(CNT_CR3_WRITE);
	lm_fence();   /* serializing CR3 write: membarrier's barrier when the mm changes [pair:membarrier-curr] */
	lm_full_barrier_done();
	hw->cr3_gen = atomic_load_explicit(&pgd->gen, memory_order_relaxed);
	hw->cr3_asid = asid;
	atomic_store_explicit(&hw->cr3, pgd, memory_order_relaxed);
}

/* Models choose_new_asid() (tlb.c): reuse the slot that already holds this
 * mm's ctx_id (flushing only if flushes were missed), else take the next. */
static void choose_new_asid(struct mm_struct *next, uint64_t next_tlb_gen,
			    uint16_t *new_asid, bool *need_flush)
{
	struct cpu_tlbstate *ts = &lm_this->tlbstate;

	for (uint16_t asid = 0; asid < TLB_NR_DYN_ASIDS; asid++) {
		if (ts->ctxs[asid].ctx_id != next->ctx_id)
			continue;
		*new_asid = asid;
		*need_flush = ts->ctxs[asid].tlb_gen < next_tlb_gen;
		return;
	}
	*new_asid = ts->next_asid++;
	if (ts->next_asid >= TLB_NR_DYN_ASIDS)
		ts->next_asid = 0;
	*need_flush = true;
}

/*
 * The I4 checker: once a CPU has loaded mm it must be at least as current
 * as every flush of mm that has completed.  A flush that skipped this CPU
 * (it was lazy, or not yet in the mask) completed without it, so the CPU
 * must have seen that flush's tlb_gen itself: that is what the two Dekker
 * pairs of switch_mm_irqs_off() guarantee.
 */
static void check_tlb_gen(struct mm_struct *mm, const char *site)
{
	struct cpu_tlbstate *ts = &lm_this->tlbstate;
	uint64_t done = atomic_load_explicit(&mm->flush_done_gen, memory_order_acquire);

	if (ts->ctxs[ts->loaded_mm_asid].tlb_gen < done)
		lm_violation(INV_TLB_GEN, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
			     "cpu%d: %s: TLB at gen %llu, but a flush to gen %llu completed",
			     lm_this->cpu, site,
			     (unsigned long long)ts->ctxs[ts->loaded_mm_asid].tlb_gen,
			     (unsigned long long)done);
}

/*
 * Models cond_mitigation() (tlb.c) in the always-IBPB mode
 * (spectre_v2_user=on): an IBPB when a user task of another address space
 * than the last one on this CPU is switched in.  v6.11 recognises "the
 * same" by the raw mm pointer kept in cpu_tlbstate.last_user_mm_spec, with
 * no reference: once that mm is freed and its address handed to a new mm,
 * the new process looks like the old one and the IBPB between them is
 * skipped (the kernel's comment calls the hole hypothetical).  A scheme
 * that frees an mm while a CPU that ran it idles makes it easy: the next
 * fork on that CPU.  lm.x86.ibpb_ctx_id compares the never-reused ctx_id.
 * The checker (I13) compares ctx_ids whatever the mode.
 */
static void cond_mitigation(struct task_struct *next)
{
	struct cpu_tlbstate *ts = &lm_this->tlbstate;
	struct mm_struct *mm;
	bool same;

	if (!next || !next->mm)
		return;
	mm = next->mm;
	same = lm.x86.ibpb_ctx_id ? ts->last_user_ctx_id == mm->ctx_id
				  : ts->last_user_mm_spec == mm;
	if (!same)
		count_event(CNT_IBPB);     /* indirect_branch_prediction_barrier() */
	else if (ts->last_user_ctx_id != mm->ctx_id)
		lm_violation(INV_IBPB, mm_id(mm), atomic_load_explicit(&mm->gen, memory_order_relaxed),
			     "cpu%d: IBPB skipped: mm%d (ctx_id %llu) switched in after ctx_id %llu, at the same mm address",
			     lm_this->cpu, mm_id(mm), (unsigned long long)mm->ctx_id,
			     (unsigned long long)ts->last_user_ctx_id);
	ts->last_user_mm_spec = mm;
	ts->last_user_ctx_id = mm->ctx_id;
}

/* Models enter_lazy_tlb() (tlb.c): "should be called switch_to_kernel_thread()".
 * CR3, loaded_mm and the cpumask bit stay: the CPU only marks itself lazy. */
void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk)
{
	struct lm_cpu *c = lm_this;

	(void)tsk;
	if (atomic_load_explicit(&c->tlbstate.loaded_mm, memory_order_relaxed) == &init_mm)
		return;
	atomic_store_explicit(&c->tlbstate_shared.is_lazy, true, memory_order_relaxed);
	count_event(CNT_STORE_SHARED);
	count_event(CNT_ST_IS_LAZY);
	lm_event(EV_LAZY, tsk, mm);
}

/*
 * Models switch_mm_irqs_off() (tlb.c).  Like x86, it ignores its first
 * argument and trusts cpu_tlbstate.loaded_mm, "because it does not always
 * keep current->active_mm up to date".
 */
void switch_mm_irqs_off(struct mm_struct *unused, struct mm_struct *next,
			struct task_struct *tsk)
{
	struct lm_cpu *c = lm_this;
	struct cpu_tlbstate *ts = &c->tlbstate;
	struct mm_struct *prev = atomic_load_explicit(&ts->loaded_mm, memory_order_relaxed);
	uint32_t prev_gen = ts->loaded_mm_gen;
	uint16_t prev_asid = ts->loaded_mm_asid;
	bool was_lazy = atomic_load_explicit(&c->tlbstate_shared.is_lazy, memory_order_relaxed);
	uint64_t next_tlb_gen;
	uint16_t new_asid;
	bool need_flush;
	int cpu = c->cpu;

	(void)unused;
	/* The low-level code dereferences prev (the DEBUG_VM CR3 check,
	 * switch_ldt()): a lazily loaded mm must still exist here (I3). */
	if (prev != &init_mm && !check_mm(prev, prev_gen, INV_MM_ALIVE,
					  "switch_mm_irqs_off: cpu_tlbstate.loaded_mm"))
		prev_asid = ts->loaded_mm_asid;   /* report and carry on */

	/* The no-lazy-return-mb mutant: without the smp_mb() below, x86 may
	 * keep the is_lazy store in the store buffer past the tlb_gen load;
	 * the model performs that reordering outright, so a scenario shows
	 * it deterministically (stored after the load, see below). */
	bool sb_is_lazy = was_lazy && prev == next && lm_mutated(LM_MUT_NO_LAZY_RETURN_MB);

	if (was_lazy && !sb_is_lazy) {
		/* Only written when it changes: the line stays clean. */
		atomic_store_explicit(&c->tlbstate_shared.is_lazy, false, memory_order_relaxed);
		count_event(CNT_STORE_SHARED);
		count_event(CNT_ST_IS_LAZY);
	}

	if (prev == next) {
		if (next != &init_mm && !cpumask_test_cpu(cpu, next->cpumask)) {
			/* v6.11 VM_WARN_ON_ONCE and repair */
			lm_violation(INV_CPUMASK, mm_id(next), ts->loaded_mm_gen,
				     "cpu%d: running mm%d but not in its mm_cpumask", cpu, mm_id(next));
			cpumask_set_cpu(cpu, next->cpumask);
		}
		if (!was_lazy)
			return;           /* thread -> thread of one process */

		lm_event(EV_LAZY_RETURN, tsk, next);
		sim_point(SP_SWITCH_MM_LAZY_RETURN);
		/*
		 * Orders: store is_lazy=false  before  load next->tlb_gen.
		 * [pair:lazy-gen]  Pairs with the flusher's fully ordered
		 * tlb_gen increment followed by its read of is_lazy in
		 * tlb_is_not_lazy() (flush_tlb_mm_range()).
		 * Without it (store buffering):
		 *   this CPU (lazy return)        flusher
		 *     is_lazy = false (buffered)    tlb_gen++ (locked)
		 *     read tlb_gen -> old           read is_lazy -> true: skip IPI
		 *     no flush, back to user        => stale TLB in user mode (I4)
		 * It is also the full barrier membarrier needs on a kernel->user
		 * switch that writes no CR3.  x86: MFENCE/LOCK OR.
		 */
		if (!lm_mutated(LM_MUT_NO_LAZY_RETURN_MB))
			smp_mb();
		next_tlb_gen = atomic_load_explicit(&next->tlb_gen, memory_order_relaxed);
		count_event(CNT_LD_TLB_GEN);
		sim_point(SP_SWITCH_MM_LAZY_GEN_READ);
		if (sb_is_lazy) {
			/* the store buffer drains only now */
			atomic_store_explicit(&c->tlbstate_shared.is_lazy, false, memory_order_relaxed);
			count_event(CNT_STORE_SHARED);
			count_event(CNT_ST_IS_LAZY);
		}
		if (ts->ctxs[prev_asid].tlb_gen == next_tlb_gen) {
			check_tlb_gen(next, "lazy return, no flush");
			return;   /* nothing missed: no CR3 write */
		}
		new_asid = prev_asid;
		need_flush = true;
	} else {
		if (next != &init_mm)
			check_mm_live(next, INV_MM_ALIVE, "switch_mm_irqs_off: next");
		cond_mitigation(tsk);
		/*
		 * Only the owner writes its bit, with irqs off.  The set is a
		 * LOCK'd RMW, a full barrier: it orders "this CPU is in the mask"
		 * before the tlb_gen read below [pair:cpumask-gen], pairing with
		 * the flusher's tlb_gen++ before it reads the mask.  It also is
		 * what a shootdown's mask read pairs with [pair:shootdown-mask].
		 */
		if (prev != &init_mm && !lm.x86.cpumask_clear_late)
			cpumask_clear_cpu(cpu, prev->cpumask);
		if (next != &init_mm)
			cpumask_set_cpu(cpu, next->cpumask);
		next_tlb_gen = atomic_load_explicit(&next->tlb_gen, memory_order_seq_cst);
		count_event(CNT_LD_TLB_GEN);
		choose_new_asid(next, next_tlb_gen, &new_asid, &need_flush);
		/* nmi_uaccess_okay() and remote readers must not trust
		 * loaded_mm while CR3 changes. */
		atomic_store_explicit(&ts->loaded_mm, LOADED_MM_SWITCHING, memory_order_relaxed);
		barrier();
		sim_point(SP_SWITCH_MM_SWITCHING);
	}

	/* tlbstate's order: switch_ldt() reads prev's LDT state before the
	 * publish below takes this CPU out of the teardown filter's view. */
	if (next != prev && prev != &init_mm && lm.x86.switch_ldt_early)
		check_mm(prev, prev_gen, INV_MM_ALIVE, "switch_ldt (moved early): prev->context.ldt");
	if (need_flush) {
		ts->ctxs[new_asid].ctx_id = next->ctx_id;
		ts->ctxs[new_asid].tlb_gen = next_tlb_gen;
	}
	load_new_mm_cr3(next, new_asid, need_flush);
	/* CR3 before loaded_mm: the release makes a remote reader that sees
	 * loaded_mm == next also see that CR3 no longer holds prev
	 * [pair:loaded-mm], pairing with the acquire in tlbstate's filter. */
	atomic_store_explicit(&ts->loaded_mm, next, memory_order_release);
	ts->loaded_mm_gen = atomic_load_explicit(&next->gen, memory_order_relaxed);
	ts->loaded_mm_asid = new_asid;
	if (next != prev) {
		count_event(CNT_STORE_SHARED);   /* loaded_mm is read remotely */
		count_event(CNT_ST_LOADED_MM);
		sim_point(SP_SWITCH_MM_PUBLISHED);
		/* switch_ldt(prev, next): v6.11 reads prev->context.ldt here,
		 * after loaded_mm = next is published (I3). */
		if (prev != &init_mm && !lm.x86.switch_ldt_early)
			check_mm(prev, prev_gen, INV_MM_ALIVE, "switch_ldt: prev->context.ldt");
		/* A scheme whose teardown IPIs or scans mm_cpumask (shootdown,
		 * tlbstate, Lutomirski's) needs the bit to cover the CPU until
		 * it no longer uses prev at all.  The kernel series
		 * (kernel/patches-6.12/0002) clears it just before the
		 * loaded_mm = next store rather than after: either way the
		 * clear follows the CR3 write and switch_ldt(), which is what
		 * a reader of the mask relies on. */
		if (prev != &init_mm && lm.x86.cpumask_clear_late)
			cpumask_clear_cpu(cpu, prev->cpumask);
	}
	lm_event(EV_LOAD_MM, tsk, next);
	if (next != &init_mm)
		check_tlb_gen(next, "switch_mm_irqs_off");
}

/* Models switch_mm() (arch/x86/mm/tlb.c): irqs off around switch_mm_irqs_off(). */
void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	unsigned long flags = local_irq_save();

	switch_mm_irqs_off(prev, next, tsk);
	local_irq_restore(flags);
}

/* Models leave_mm() (tlb.c): called by cpuidle before a TLB-losing C-state. */
void leave_mm(void)
{
	struct lm_cpu *c = lm_this;
	struct mm_struct *loaded = atomic_load_explicit(&c->tlbstate.loaded_mm, memory_order_relaxed);
	unsigned long flags;

	if (loaded == &init_mm)
		return;
	flags = local_irq_save();
	switch_mm_irqs_off(NULL, &init_mm, NULL);
	if (lazy_ops()->left_lazy)
		lazy_ops()->left_lazy(loaded);
	local_irq_restore(flags);
}

/* Models initialize_tlbstate_and_flush() (tlb.c), at CPU bring-up. */
void initialize_tlbstate_and_flush(void)
{
	struct lm_cpu *c = lm_this;

	atomic_store_explicit(&c->tlbstate.loaded_mm, &init_mm, memory_order_relaxed);
	c->tlbstate.loaded_mm_gen = 0;
	c->tlbstate.loaded_mm_asid = 0;
	c->tlbstate.next_asid = 1;
	for (int i = 0; i < TLB_NR_DYN_ASIDS; i++)
		c->tlbstate.ctxs[i] = (struct tlb_context){ 0, 0 };
	c->tlbstate.ctxs[0].ctx_id = init_mm.ctx_id;
	c->tlbstate.last_user_mm_spec = NULL;   /* LAST_USER_MM_INIT */
	c->tlbstate.last_user_ctx_id = 0;
	atomic_store_explicit(&c->tlbstate_shared.is_lazy, false, memory_order_relaxed);
	atomic_store_explicit(&c->hw.cr3, init_mm.pgd, memory_order_relaxed);
	c->hw.cr3_gen = 0;
	c->hw.cr3_asid = 0;
}

struct flush_tlb_info {
	struct mm_struct *mm;
	uint64_t new_tlb_gen;
	int initiating_cpu;
	bool full;
	bool freed_tables;
};

/* Models flush_tlb_func() (tlb.c): runs with irqs off, on each target. */
void flush_tlb_func(void *info)
{
	const struct flush_tlb_info *f = info;
	struct lm_cpu *c = lm_this;
	struct cpu_tlbstate *ts = &c->tlbstate;
	struct mm_struct *loaded = atomic_load_explicit(&ts->loaded_mm, memory_order_relaxed);
	bool local = c->cpu == f->initiating_cpu;
	uint64_t local_tlb_gen, mm_tlb_gen;

	lm_event(EV_FLUSH_RECV, NULL, f->mm);
	if (!local && f->mm && f->mm != loaded) {
		count_event(CNT_IPI_WASTED);    /* switched away meanwhile */
		return;
	}
	if (loaded == &init_mm) {
		if (!local)
			count_event(CNT_IPI_WASTED);
		return;
	}
	if (!check_mm(loaded, ts->loaded_mm_gen, INV_MM_ALIVE, "flush_tlb_func: loaded_mm"))
		return;
	if (atomic_load_explicit(&c->tlbstate_shared.is_lazy, memory_order_relaxed)) {
		/* "switching to init_mm is barely slower than a minimal flush":
		 * a lazy CPU hit by a flush leaves the mm, clearing its bit. */
		switch_mm_irqs_off(NULL, &init_mm, NULL);
		count_event(CNT_LAZY_EVICT);
		lm_event(EV_EVICT, NULL, loaded);
		if (lazy_ops()->left_lazy)
			lazy_ops()->left_lazy(loaded);
		return;
	}
	local_tlb_gen = ts->ctxs[ts->loaded_mm_asid].tlb_gen;
	if (f->new_tlb_gen <= local_tlb_gen)
		return;               /* already caught up */
	mm_tlb_gen = atomic_load_explicit(&loaded->tlb_gen, memory_order_relaxed);
	if (local_tlb_gen == mm_tlb_gen)
		return;
	/* The flush itself: every entry of this PCID, paging-structure caches
	 * included (a partial flush also invalidates them on x86). */
	psc_invalidate_asid(&c->hw, ts->loaded_mm_asid);
	ts->ctxs[ts->loaded_mm_asid].tlb_gen = mm_tlb_gen;
}

/* Models tlb_is_not_lazy() (tlb.c), evaluated on the flush initiator.
 * seq_cst: second half of the flusher's store->load [pair:lazy-gen]. */
static bool tlb_is_not_lazy(int cpu, void *info)
{
	(void)info;
	if (atomic_load_explicit(&cpu_of(cpu)->tlbstate_shared.is_lazy, memory_order_seq_cst)) {
		count_event(CNT_FLUSH_SKIPPED_LAZY);
		return false;
	}
	return true;
}

static int count_targets(const uint64_t *mask, int me)
{
	int n = 0;

	for (int i = 0; i < NR_CPUS_MAX / 64; i++)
		n += __builtin_popcountll(mask[i]);
	if ((mask[me / 64] >> (me % 64)) & 1)
		n--;
	return n;
}

/* Models native_flush_tlb_multi() (tlb.c). */
static void native_flush_tlb_multi(const uint64_t *mask, struct flush_tlb_info *info)
{
	uint64_t before = lm_this->cnt[0][CNT_IPI_SENT] + lm_this->cnt[1][CNT_IPI_SENT];

	if (info->freed_tables && !lm_mutated(LM_MUT_FLUSH_SKIPS_LAZY)) {
		/* Lazy CPUs too: they could walk freed page tables
		 * speculatively, so they must leave the mm (I2). */
		on_each_cpu_mask(mask, flush_tlb_func, info, 1);
	} else {
		on_each_cpu_cond_mask(tlb_is_not_lazy, flush_tlb_func, info, 1, mask);
	}
	count_add(CNT_IPI_FLUSH, lm_this->cnt[0][CNT_IPI_SENT] + lm_this->cnt[1][CNT_IPI_SENT] - before);
}

/* A hardware broadcast invalidation (INVLPGB/TLBSYNC, or a PV hypercall):
 * every CPU's entries for the mm are gone when it returns, with no IPI and
 * no lazy CPU leaving the mm.  Modeled as a global invalidation epoch that
 * paging-structure cache entries are checked against. */
extern _Atomic uint64_t lm_bcast_epoch;
static void broadcast_flush(struct flush_tlb_info *info)
{
	(void)info;
	/* seq_cst: the invalidation is complete before the caller frees
	 * [pair:bcast-epoch], pairing with the walker's state-then-epoch reads. */
	atomic_fetch_add_explicit(&lm_bcast_epoch, 1, memory_order_seq_cst);
	/* TLBSYNC: walks already in flight on other CPUs complete before it
	 * returns.  epoch++ ; read walking  vs  walking = 1 ; read epoch
	 * [pair:bcast-walk]: a walk we do not wait for saw the new epoch, so
	 * it also sees the cleared page-table entries. */
	for (int cpu = 0; cpu < lm.cfg.nr_cpus; cpu++) {
		struct lm_wait w = LM_WAIT("broadcast flush: TLBSYNC");

		if (cpu == lm_this->cpu)
			continue;
		while (atomic_load_explicit(&cpu_of(cpu)->hw.walking, memory_order_seq_cst))
			if (!lm_wait_step(&w))
				return;
	}
}

/* Records the completed flush for the I4 checker (not part of the kernel). */
static void note_flush_done(struct mm_struct *mm, uint64_t gen)
{
	uint64_t old = atomic_load_explicit(&mm->flush_done_gen, memory_order_relaxed);

	while (old < gen &&
	       !atomic_compare_exchange_weak_explicit(&mm->flush_done_gen, &old, gen,
						      memory_order_release, memory_order_relaxed))
		;
}

/* Models flush_tlb_mm_range() (tlb.c); the range is "all" or "one page". */
void flush_tlb_mm_range(struct mm_struct *mm, bool full, bool freed_tables)
{
	struct flush_tlb_info info;
	uint64_t mask[NR_CPUS_MAX / 64];
	int me;

	preempt_disable();
	me = lm_this->cpu;
	/* Fully ordered: PTE/page-table changes before, mask read after
	 * [pair:cpumask-gen] [pair:lazy-gen]. */
	info.new_tlb_gen = atomic_fetch_add_explicit(&mm->tlb_gen, 1, memory_order_seq_cst) + 1;
	note_locked_op(CNT_RMW_TLB_GEN);
	info.mm = mm;
	info.full = full;
	info.freed_tables = freed_tables;
	info.initiating_cpu = me;
	count_event(CNT_FLUSH);
	lm_event(EV_FLUSH, NULL, mm);
	sim_point(SP_FLUSH_AFTER_GEN);

	if (lm.cfg.flush_mode == FLUSH_BROADCAST) {
		broadcast_flush(&info);
	} else {
		cpumask_snapshot(mm->cpumask, mask);
		if (count_targets(mask, me) > 0) {
			native_flush_tlb_multi(mask, &info);
		} else if (mm == atomic_load_explicit(&lm_this->tlbstate.loaded_mm, memory_order_relaxed)) {
			local_irq_disable();
			flush_tlb_func(&info);
			local_irq_enable();
		}
		note_flush_done(mm, info.new_tlb_gen);
	}
	preempt_enable();
}

/*
 * The hardware page walker.  A CPU may walk its page tables at any moment,
 * lazy or not, irqs on or off: through CR3's root and through whatever its
 * paging-structure cache holds for the current PCID.  A user access also
 * fills the cache.  Each step checks the object it touches is alive.
 */
_Atomic uint64_t lm_bcast_epoch;

static void walk(bool fill)
{
	struct lm_cpu *c = lm_this;
	struct cpu_hw *hw = &c->hw;
	unsigned long flags = local_irq_save();   /* a walk is atomic to interrupts */
	struct pgtable *root = atomic_load_explicit(&hw->cr3, memory_order_relaxed);
	uint64_t epoch;

	count_event(CNT_SPEC_WALK);
	if (lm.cfg.flush_mode == FLUSH_BROADCAST)
		atomic_store_explicit(&hw->walking, 1, memory_order_seq_cst);   /* [pair:bcast-walk] */
	epoch = atomic_load_explicit(&lm_bcast_epoch, memory_order_seq_cst);
	if (root == init_mm.pgd)
		goto out;
	check_pgtable(root, hw->cr3_gen, INV_ROOT, "page walk: CR3 root");
	/*
	 * Between leaving prev's mm_cpumask and the CR3 write (loaded_mm is
	 * LOADED_MM_SWITCHING), x86 no longer receives prev's flushes although
	 * prev's root is still loaded: a table of prev can be freed under it.
	 * The kernel relies on nothing walking user translations in those few
	 * irqs-off instructions; the model's walker checks only the root there
	 * (docs/model.md, "Departures").
	 */
	if (atomic_load_explicit(&c->tlbstate.loaded_mm, memory_order_relaxed) == LOADED_MM_SWITCHING)
		goto out;
	/*
	 * The same for a CPU in the offline window (cpu.c): it is out of
	 * cpu_online_mask, so a freed_tables flush skips it (v6.11 masks every
	 * cross call with the online mask) while its CR3 and paging-structure
	 * cache may still hold the mm's tables until idle_task_exit().  v6.11
	 * relies on nothing walking user translations between take_cpu_down()
	 * and idle_task_exit(); it is the same for every scheme.  The root is
	 * still checked: that the schemes must keep alive (docs/model.md).
	 */
	if (!cpu_online(c->cpu))
		goto out;
	for (int i = 0; i < PSC_ENTRIES; i++) {
		struct psc_entry *e = &hw->psc[i];

		if (!e->valid || e->asid != hw->cr3_asid)
			continue;
		if (lm.cfg.flush_mode == FLUSH_BROADCAST) {
			/* Read the table's state, then the epoch: a table freed after
			 * a broadcast invalidation is seen with the new epoch
			 * [pair:bcast-epoch] (TLBSYNC: the invalidation is complete
			 * everywhere before the flusher frees anything). */
			int st = atomic_load_explicit(&e->table->state, memory_order_acquire);
			uint32_t g = atomic_load_explicit(&e->table->gen, memory_order_relaxed);
			uint64_t now = atomic_load_explicit(&lm_bcast_epoch, memory_order_acquire);

			if (e->epoch != (uint32_t)now) {
				e->valid = false;   /* dropped by a broadcast invalidation */
				continue;
			}
			if (st != OBJ_LIVE || g != e->gen_table)
				lm_violation(INV_PWC, e->table->owner_id, e->gen_table,
					     "cpu%d: page walk: cached page table of mm%d freed under a live broadcast epoch",
					     c->cpu, e->table->owner_id);
			continue;
		}
		check_pgtable(e->table, e->gen_table, INV_PWC, "page walk: cached page table");
	}
	if (fill) {
		struct mm_struct *mm = atomic_load_explicit(&c->tlbstate.loaded_mm, memory_order_relaxed);
		int slot = (int)(lm_rand(c) % MM_MAX_TABLES);
		struct pgtable *t;

		if (mm == &init_mm || mm == LOADED_MM_SWITCHING ||
		    atomic_load_explicit(&mm->state, memory_order_relaxed) != OBJ_LIVE)
			goto out;
		/* the pgd entry: cleared by free_pgtables() before the table is freed */
		t = atomic_load_explicit(&mm->tables[slot], memory_order_acquire);
		if (!t)
			goto out;
		check_pgtable(t, atomic_load_explicit(&t->gen, memory_order_relaxed), INV_PWC,
			      "page walk: fill from pgd entry");
		struct psc_entry *e = &hw->psc[lm_rand(c) % PSC_ENTRIES];
		e->table = t;
		e->gen_table = atomic_load_explicit(&t->gen, memory_order_relaxed);
		e->epoch = (uint32_t)epoch;
		e->asid = hw->cr3_asid;
		e->valid = true;
	}
out:
	if (lm.cfg.flush_mode == FLUSH_BROADCAST)
		atomic_store_explicit(&hw->walking, 0, memory_order_release);
	local_irq_restore(flags);
}

/* A user-mode access by the current task: walks and fills the cache. */
void touch_user_memory(struct mm_struct *mm)
{
	(void)mm;
	membarrier_user_access();
	walk(true);
}

/* A speculative walk, taken at random model points (torture's chaos). */
void speculative_walk(void)
{
	walk(true);
}
