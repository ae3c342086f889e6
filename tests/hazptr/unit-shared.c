/* SPDX-License-Identifier: BSD-2-Clause */
/* unit.c against lib-shared.o (local mode off). */
#include "unit.c"
