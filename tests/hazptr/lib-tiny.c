/* SPDX-License-Identifier: BSD-2-Clause */
/* The whole library with the boundary constants of tiny.h, in one object. */
#include "tiny.h"
#include "../../lib/hazptr/domain.c"
#include "../../lib/hazptr/record.c"
#include "../../lib/hazptr/retire.c"
#include "../../lib/hazptr/reclaim.c"
#include "../../lib/hazptr/worker.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
#include "../../lib/hazptr/cohort.c"
#include "../../lib/hazptr/cpuslot.c"
