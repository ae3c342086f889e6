/*
 * list.h - comma-separated option values ("1,2,4", "refcount,hazptr").
 */
#ifndef BENCH_COMMON_LIST_H
#define BENCH_COMMON_LIST_H

#include <stddef.h>

/*
 * Split a copy of val at commas into items[0..max) (argv stays as it was:
 * ps shows it).  Returns the number of items, or -1 with *err set to what
 * was wrong: an empty element, more than max elements, no memory.  On
 * success the caller frees items[0] (the copy).
 */
int bc_split_list(const char *val, char **items, int max, const char **err);

#endif /* BENCH_COMMON_LIST_H */
