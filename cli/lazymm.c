/*
 * lazymm - run the lazy-TLB model: torture, scenarios, mutants, benchmarks.
 *
 * main() looks the command up in one table; each command parses its own
 * options with the shared parser (opt.h).
 */
#include <string.h>

#include "cli.h"

static void main_usage(FILE *out);

static int cmd_schemes(int argc, char **argv);
static const struct cli_cmd cli_schemes = {
	"schemes", "list the lazy-mm tracking schemes", cmd_schemes, main_usage,
};

static const struct cli_cmd *const commands[] = {
	&cli_torture, &cli_scenario, &cli_mutants, &cli_litmus, &cli_bench, &cli_predict, &cli_schemes,
	NULL,
};

static void main_usage(FILE *out)
{
	fprintf(out, "usage: lazymm COMMAND [OPTIONS]\n\nCommands:\n");
	for (int i = 0; commands[i]; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nRun 'lazymm COMMAND --help' for a command's options.\n");
}

static const struct cli_cmd cli_main = { NULL, NULL, NULL, main_usage };

static int cmd_schemes(int argc, char **argv)
{
	if (argc > 1)
		cli_usage_error(&cli_schemes, "takes no options (got '%s')", argv[1]);
	cli_list_schemes(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char names[128];
	size_t n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		cli_usage_error(&cli_main, "a command is required");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	for (int i = 0; commands[i]; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	names[0] = 0;
	for (int i = 0; commands[i] && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", commands[i]->name);
	cli_usage_error(&cli_main, "unknown command '%s'; accepted: %s", argv[1], names);
}
