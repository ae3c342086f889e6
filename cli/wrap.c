/*
 * wrap.c - `lazymm scenario` and `lazymm mutants`: thin wrappers that run
 * the test programs of tests/model/ (built next to lazymm, in
 * $B/tests/model/), with the same arguments.  The scenario engine, its
 * table and the mutant matrix are tests: they live there, not in lazymm.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int run_test_program(const char *name, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		fprintf(stderr, "lazymm %s: cannot find lazymm's own folder: %s\n", name, strerror(errno));
		return EXIT_ERROR;
	}
	self[n] = 0;
	slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	snprintf(path, sizeof(path), "%s/tests/model/%s", self, name);
	fflush(stdout);
	execv(path, argv);
	fprintf(stderr, "lazymm %s: cannot run %s: %s (it is built by 'make')\n",
		name, path, strerror(errno));
	return EXIT_ERROR;
}

static int wrap_scenario(int argc, char **argv)
{
	(void)argc;
	return run_test_program("scenario", argv);
}

static int wrap_mutants(int argc, char **argv)
{
	(void)argc;
	return run_test_program("mutants", argv);
}

const struct cli_cmd cli_scenario = {
	"scenario", "deterministic interleavings (scenario --list)", wrap_scenario, NULL,
};

const struct cli_cmd cli_mutants = {
	"mutants", "list the deliberately broken variants; --check runs the matrix",
	wrap_mutants, NULL,
};
