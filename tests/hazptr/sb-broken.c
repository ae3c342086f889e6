/* SPDX-License-Identifier: BSD-2-Clause */
/* sb.c against lib-broken.o: passes only if SB is observed. */
#define HAZPTR_TEST_BROKEN_READER 1
#include "sb.c"
