# The model's tests: scenarios, torture, litmus, mutants, command line.
TEST_LISTS += tests/model/tests.list
