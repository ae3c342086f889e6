/* SPDX-License-Identifier: BSD-2-Clause */
/* lifecycle.c against lib-shared.o (local mode off). */
#define EXPECT_HANDBACK 1
#include "lifecycle.c"
