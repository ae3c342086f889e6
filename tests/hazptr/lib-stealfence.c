/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The whole library with a mutant cache steal: steal_caches() issues the
 * domain's reader fence (d->fence) instead of d->cache_fence.  In a
 * HAZPTR_DOMAIN_FENCE domain of a process with membarrier, that is a
 * seq_cst fence against owners whose side of the handshake is a compiler
 * barrier: the store-buffering outcome [pair:hp-retire-cache] forbids.
 * Only hazptr-cache-race-stealfence links it; the macro renames the field
 * in retire.c alone, and the library's sources are untouched.
 */
#include "../../lib/hazptr/hazptr-internal.h"

#include "../../lib/hazptr/domain.c"
#include "../../lib/hazptr/record.c"
#define cache_fence fence
#include "../../lib/hazptr/retire.c"
#undef cache_fence
#include "../../lib/hazptr/reclaim.c"
#include "../../lib/hazptr/worker.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
#include "../../lib/hazptr/cohort.c"
#include "../../lib/hazptr/cpuslot.c"
