/* SPDX-License-Identifier: BSD-2-Clause */
/* The whole library with the reader's ordering removed (no reader fence and
 * no membarrier in scans): only for sb-broken, which must then FAIL. */
#define HAZPTR_TEST_BROKEN_READER 1
#include "../../lib/hazptr/hazptr.c"
#include "../../lib/hazptr/fence.c"
#include "../../lib/hazptr/pcpu.c"
