/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ds-algo.h - the Harris-Michael list-based set (and so the Michael hash
 * map, one such list per bucket), written once over a reclaimer's
 * primitives.  A paraphrase of M. M. Michael, "High performance dynamic
 * lock-free hash tables and list-based sets" (SPAA 2002), Fig. 4--5: find()
 * walks with three hazard slots (prev, cur, next), unlinks the marked nodes
 * it meets, and restarts when its predecessor changed under it.
 *
 * Not a normal header: a ds-*.c file defines these, then includes it (once
 * per reclaimer it instantiates):
 *   DS_PFX(name)          the prefix of the generated functions
 *   SMR_BEGIN(w), SMR_END(w)   around one operation (read section)
 *   SMR_PROTECT(w, i, src)     load *src (the exact value, mark included),
 *                              protected in slot i (hazard pointers publish
 *                              and re-validate; epochs and RCU just load)
 *   SMR_CLEAR(w)          end the protections of slots 0..DS_SLOTS-1
 *   SMR_RETIRE(w, n)      n is unlinked: reclaim it when safe (counts it)
 *   SMR_QUIESCE(w)        after each operation, outside any section
 *   SMR_NODE_ALLOC(w), SMR_NODE_UNUSED(w, n)   optional: a new node, and
 *                         one insert() never published (default: malloc
 *                         and free; refcount keeps type-stable nodes)
 * Protecting a marked value protects nothing (no slot ever holds a marked
 * address); the code never dereferences a pointer it got that way before
 * re-protecting it unmarked.
 */

#ifndef SMR_NODE_ALLOC
#define SMR_NODE_ALLOC(w)	((struct ds_node *)hzb_xmalloc(sizeof(struct ds_node)))
#define SMR_NODE_UNUSED(w, n)	free(n)
#define DS_ALGO_DEFAULT_ALLOC
#endif

struct DS_PFX(pos) {
	void *_Atomic *prev;	/* the link that holds cur */
	struct ds_node *cur;
	struct ds_node *next;	/* unmarked */
};

/*
 * Position p on the first node whose key is >= key; true if it is key.
 * Leaves prev, cur and next protected (slots are rotated, not copied, so a
 * protection never moves downward; see hazptr_reset()).
 */
static bool DS_PFX(find)(struct worker *w, void *_Atomic *head, long key,
			 struct DS_PFX(pos) *p)
{
	unsigned int sp, sc, sn, t;
	void *_Atomic *prev;
	void *cur, *next;

try_again:
	sp = 0, sc = 1, sn = 2;
	prev = head;
	cur = SMR_PROTECT(w, sc, prev);		/* a head is never marked */
	for (;;) {
		struct ds_node *c = cur;

		if (!c) {
			p->prev = prev, p->cur = NULL, p->next = NULL;
			return false;
		}
		next = SMR_PROTECT(w, sn, &c->next);
		/* cur must still follow prev, unmarked: else prev was deleted
		 * or cur unlinked, and next may not be protected validly.
		 * Acquire, as every link load here: [pair:ds-publish]. */
		if (atomic_load_explicit(prev, memory_order_acquire) != cur)
			goto try_again;
		if (!DS_MARKED(next)) {
			if (c->key >= key) {
				p->prev = prev, p->cur = c, p->next = next;
				return c->key == key;
			}
			prev = &c->next;
			t = sp, sp = sc, sc = sn, sn = t;	/* c: prev; next: cur */
			cur = next;
		} else {
			/* c is logically deleted: unlink it; the winner retires. */
			void *expect = c;

			if (!atomic_compare_exchange_strong_explicit(prev, &expect,
					DS_UNMARK(next), memory_order_acq_rel,
					memory_order_acquire))
				goto try_again;
			SMR_RETIRE(w, c);
			cur = SMR_PROTECT(w, sc, prev);
			if (DS_MARKED(cur))	/* prev was deleted meanwhile */
				goto try_again;
		}
	}
}

static bool DS_PFX(lookup)(struct worker *w, struct ds_set *s, long key)
{
	struct DS_PFX(pos) p;
	bool found;

	SMR_BEGIN(w);
	found = DS_PFX(find)(w, ds_bucket(s, key), key, &p);
	SMR_CLEAR(w);
	SMR_END(w);
	return found;
}

static bool DS_PFX(insert)(struct worker *w, struct ds_set *s, long key)
{
	void *_Atomic *head = ds_bucket(s, key);
	struct ds_node *n = NULL;
	struct DS_PFX(pos) p;
	bool done;

	SMR_BEGIN(w);
	for (;;) {
		void *expect;

		if (DS_PFX(find)(w, head, key, &p)) {
			done = false;
			break;
		}
		if (!n) {
			n = SMR_NODE_ALLOC(w);
			n->key = key;
		}
		atomic_store_explicit(&n->next, p.cur, memory_order_relaxed);
		expect = p.cur;
		/*
		 * Orders: n's key and next  before  n is reachable.  [pair:ds-publish]
		 * Pairs with: the acquire loads of links in find() (SMR_PROTECT,
		 *   the prev re-check) by which other threads reach n.
		 * Without it: a reader could see n linked and read a stale key
		 *   or next.  Who relies on it: every find() that walks past n.
		 */
		if (atomic_compare_exchange_strong_explicit(p.prev, &expect, n,
				memory_order_release, memory_order_relaxed)) {
			done = true;
			break;
		}
	}
	SMR_CLEAR(w);
	SMR_END(w);
	if (!done && n)
		SMR_NODE_UNUSED(w, n);	/* never published */
	return done;
}

static bool DS_PFX(remove)(struct worker *w, struct ds_set *s, long key)
{
	void *_Atomic *head = ds_bucket(s, key);
	struct DS_PFX(pos) p;
	bool done;

	SMR_BEGIN(w);
	for (;;) {
		void *expect;

		if (!DS_PFX(find)(w, head, key, &p)) {
			done = false;
			break;
		}
		/* Mark: the logical deletion, the linearization point. */
		expect = p.next;
		if (!atomic_compare_exchange_strong_explicit(&p.cur->next, &expect,
				DS_MARK(p.next), memory_order_acq_rel,
				memory_order_relaxed))
			continue;
		expect = p.cur;
		if (atomic_compare_exchange_strong_explicit(p.prev, &expect, p.next,
				memory_order_acq_rel, memory_order_relaxed))
			SMR_RETIRE(w, p.cur);
		else
			(void)DS_PFX(find)(w, head, key, &p);	/* unlinks it */
		done = true;
		break;
	}
	SMR_CLEAR(w);
	SMR_END(w);
	return done;
}

static inline uint64_t DS_PFX(rand)(uint64_t *s)
{
	uint64_t x = *s;	/* xorshift64 */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t DS_PFX(run)(struct worker *w, struct ds_set *s,
			    unsigned int lookup_pct, uint64_t nops)
{
	uint64_t ops = 0;

	while (nops ? ops < nops :
	       (ops % BATCH) || !atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		uint64_t r = DS_PFX(rand)(&w->rng);
		long key = (long)((r >> 32) % (uint64_t)s->range);
		unsigned int dice = (unsigned int)(r & 0xffffffffu) % 100;

		if (dice < lookup_pct) {
			w->sink += DS_PFX(lookup)(w, s, key);
		} else if (dice & 1) {
			if (DS_PFX(insert)(w, s, key))
				w->ins_n++, w->ins_sum += key;
		} else {
			if (DS_PFX(remove)(w, s, key))
				w->rem_n++, w->rem_sum += key;
		}
		ops++;
		SMR_QUIESCE(w);
	}
	return ops;
}

static void DS_PFX(stall)(struct worker *w, struct ds_set *s, _Atomic int *ready)
{
	struct timespec ts = { 0, 1000000 };

	(void)w;
	SMR_BEGIN(w);
	(void)SMR_PROTECT(w, 0, &s->heads[0]);
	/* Release: the protection / section before the workers start.
	 * [pair:hzb-stall] (hzb_ds_work() in ds.c) */
	atomic_store_explicit(ready, 1, memory_order_release);
	while (atomic_load_explicit(ready, memory_order_acquire) != 2)
		nanosleep(&ts, NULL);
	SMR_CLEAR(w);
	SMR_END(w);
}

#ifdef DS_ALGO_DEFAULT_ALLOC
#undef DS_ALGO_DEFAULT_ALLOC
#undef SMR_NODE_ALLOC
#undef SMR_NODE_UNUSED
#endif
