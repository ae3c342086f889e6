/* SPDX-License-Identifier: BSD-2-Clause */
/* sb.c with its own fence-less reader: passes only if SB is observed. */
#define SB_BROKEN_READER 1
#include "sb.c"
