/* SPDX-License-Identifier: BSD-2-Clause */
/* The whole library with the boundary constants of tiny.h, in one object. */
#include "tiny.h"
#include "../../lib/hazptr/hazptr.c"
#include "../../lib/hazptr/reclaim.c"
#include "../../lib/hazptr/worker.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
