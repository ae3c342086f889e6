/* SPDX-License-Identifier: BSD-2-Clause */
/* features.c against lib-shared.o (local mode off). */
#include "features.c"
