/*
 * list.c - comma-separated option values (list.h).
 */
#include <stdlib.h>
#include <string.h>

#include "list.h"

int bc_split_list(const char *val, char **items, int max, const char **err)
{
	char *s = strdup(val);
	int n = 0;

	if (!s) {
		*err = "out of memory";
		return -1;
	}
	for (char *tok = s;; ) {
		char *comma = strchr(tok, ',');

		if (comma)
			*comma = 0;
		if (!*tok) {
			*err = "malformed list (an empty element)";
			free(s);
			return -1;
		}
		if (n == max) {
			*err = "too many elements";
			free(s);
			return -1;
		}
		items[n++] = tok;
		if (!comma)
			return n;
		tok = comma + 1;
	}
}
