# lazymm bench tests: bench/common's unit tests (a program), smoke runs and
# bad-input cases (tests.list).
TEST_BINS += $(B)/tests/bench/common-unit

$(B)/tests/bench/common-unit: $(B)/tests/bench/common-unit.o $(BENCH_COMMON_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

TEST_LISTS += tests/bench/tests.list
