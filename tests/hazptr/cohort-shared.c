/* SPDX-License-Identifier: BSD-2-Clause */
/* cohort.c against lib-shared.o (local mode off). */
#include "cohort.c"
