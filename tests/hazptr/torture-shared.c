/* SPDX-License-Identifier: BSD-2-Clause */
/* torture.c against lib-shared.o (local mode off). */
#include "torture.c"
