#include "cli.h"
int cmd_scenario(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not yet\n"); return 3; }
int scenario_count(void) { return 0; }
const char *scenario_name(int i) { (void)i; return ""; }
int scenario_run_by_index(int i, const struct lazy_tlb_ops *ops, const char *mutant, bool quiet, struct scenario_result *res) { (void)i; (void)ops; (void)mutant; (void)quiet; (void)res; return -1; }
