/* SPDX-License-Identifier: BSD-2-Clause */
/* features.c against lib-shared.o (local mode off). */
#define HZT_SHARED 1
#include "features.c"
