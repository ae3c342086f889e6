# The model's tests: scenarios, torture, litmus, mutants, command line.
TEST_LISTS += tests/model/tests.list
# Mutant detection needs uninstrumented code (see the list's header).
ifeq ($(SAN),)
TEST_LISTS += tests/model/mutants.list
endif
