/* SPDX-License-Identifier: BSD-2-Clause */
/* cache-race.c over lib-nohandshake.c: passes only if the race is seen. */
#define CACHE_RACE_BROKEN 1
#include "cache-race.c"
