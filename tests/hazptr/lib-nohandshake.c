/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The whole library with a mutant retire cache: the owner neither sets
 * rt_busy nor looks at rt_steal (cache_enter() always succeeds), so
 * hazptr_cleanup()'s steal can take the cache while its owner pushes onto
 * it.  Only hazptr-cache-race-broken links it; the library's sources are
 * untouched (the macro below replaces the call in every one of them).
 */
#include "../../lib/hazptr/hazptr-internal.h"

static inline bool cache_enter_broken(struct hazptr_rec_priv *r)
{
	(void)r;
	return true;
}
#define cache_enter(r) cache_enter_broken(r)

#include "../../lib/hazptr/domain.c"
#include "../../lib/hazptr/record.c"
#include "../../lib/hazptr/retire.c"
#include "../../lib/hazptr/reclaim.c"
#include "../../lib/hazptr/worker.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
#include "../../lib/hazptr/cohort.c"
#include "../../lib/hazptr/cpuslot.c"
