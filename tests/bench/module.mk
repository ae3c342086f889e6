# lazymm bench: smoke runs and bad-input cases.
TEST_LISTS += tests/bench/tests.list
