/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tiny.h - boundary configuration: one slot per record, scan threshold 1
 * (a pass on every retire), qsort for every snapshot, a scan buffer that
 * must grow.  Included before hazptr.h by the *-tiny.c wrappers, which build
 * the library and the tests again as separate objects.
 */
#define HAZPTR_NR_SLOTS 1
#define HAZPTR_SCAN_BASE 1
#define HAZPTR_SCAN_MULT 0
#define HAZPTR_SORT_SMALL 1
