/* SPDX-License-Identifier: BSD-2-Clause */
/* The whole library with local mode off: every record hands batches to the
 * domain's shared list, and passes hand free objects back to their
 * retirers (reclaim.c).  The default build uses that path only past
 * T / R < HAZPTR_LOCAL_MIN records, which the other tests never reach. */
#define HAZPTR_LOCAL_MIN 0x7fffffffUL
#include "../../lib/hazptr/domain.c"
#include "../../lib/hazptr/record.c"
#include "../../lib/hazptr/retire.c"
#include "../../lib/hazptr/reclaim.c"
#include "../../lib/hazptr/worker.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
#include "../../lib/hazptr/cohort.c"
#include "../../lib/hazptr/cpuslot.c"
