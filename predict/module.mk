# lazymm predict: templates from the model, the simulator, machine files.
# Linked into the lazymm binary (cli/predict.c is the command).
PREDICT_SRCS := $(wildcard predict/*.c)
PREDICT_OBJS := $(PREDICT_SRCS:%.c=$(B)/%.o)
CLI_OBJS     += $(PREDICT_OBJS)
$(B)/lazymm: $(PREDICT_OBJS)

# Tests: the simulator's unit tests, the CLI, the templates, self-consistency.
PREDICT_TEST := $(B)/tests/predict/unit
TEST_BINS    += $(PREDICT_TEST)
TEST_LISTS   += tests/predict/tests.list
$(PREDICT_TEST): $(B)/tests/predict/unit.o $(PREDICT_OBJS) $(MODEL_LIB) $(B)/libhazptr.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

# Re-extract the templates from the model (after a model change that alters a scheme's
# operations; `make check` fails until this is run and the result committed).
.PHONY: predict predict-templates predict-fit
predict-templates: $(B)/lazymm
	$(B)/lazymm predict --extract > predict/templates/templates.tsv

# The calibration (docs/predict.md): prints the values to freeze in the machine file.
predict-fit: $(B)/lazymm
	$(B)/lazymm predict --machine epyc9654x2 --fit

# The predictions: results/predict.{txt,csv,json,png}, results/predict-1024.*.
predict: $(B)/lazymm
	@mkdir -p results
	$(B)/lazymm predict --machine epyc9654x2 --out results/predict
	$(B)/lazymm predict --machine synth1024 --workload exit --out results/predict-1024
