# lazymm predict: templates from the model, the simulator, machine files.
# Linked into the lazymm binary (cli/predict.c is the command).
PREDICT_SRCS := $(wildcard predict/*.c)
PREDICT_OBJS := $(PREDICT_SRCS:%.c=$(B)/%.o)
CLI_OBJS     += $(PREDICT_OBJS)
$(B)/lazymm: $(PREDICT_OBJS)
