/*
 * predict.c - `lazymm predict` (predict/predict.h, docs/predict.md).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../predict/predict.h"

int cmd_predict(int argc, char **argv);

static void usage(FILE *out)
{
	fprintf(out, "usage: lazymm predict --extract\n");
}

int cmd_predict(int argc, char **argv)
{
	struct tmpl_set ts = { 0 };

	if (argc == 2 && !strcmp(argv[1], "--extract")) {
		if (tmpl_extract(&ts) != 0)
			return EXIT_ERROR;
		tmpl_write(stdout, &ts);
		tmpl_free(&ts);
		return EXIT_OK;
	}
	usage_error("predict", usage, "bad usage");
}
