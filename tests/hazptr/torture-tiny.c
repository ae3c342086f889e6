/* SPDX-License-Identifier: BSD-2-Clause */
/* torture.c with the boundary constants of tiny.h (links lib-tiny.o). */
#include "tiny.h"
#include "torture.c"
