# The model's tests: the scenario engine and its table, and the mutant
# matrix, as test programs linked against the model library (lazymm's
# `scenario` and `mutants` commands run them); plus scripts (tests.list).
MT := $(B)/tests/model
MT_SCENARIO_OBJS := $(MT)/scenario-engine.o $(MT)/scenarios.o $(MT)/scenarios-windows.o \
                    $(MT)/scenarios-barriers.o
MT_CLI_OBJS      := $(B)/cli/opt.o $(B)/cli/torture.o $(B)/cli/litmus.o

TEST_BINS += $(MT)/scenario $(MT)/mutants

$(MT)/scenario: $(MT)/scenario-main.o $(MT_SCENARIO_OBJS) $(B)/cli/opt.o $(MODEL_LIB) $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(MT)/mutants: $(MT)/mutants.o $(MT_SCENARIO_OBJS) $(MT_CLI_OBJS) $(MODEL_LIB) $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

TEST_LISTS += tests/model/tests.list
# Mutant detection needs uninstrumented code (see the list's header).
ifeq ($(SAN),)
TEST_LISTS += tests/model/mutants.list
endif
