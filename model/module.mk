# The model: kernel machinery + lazy-mm schemes, as one static library.
MODEL_SRCS := model/smp.c model/sched.c model/tlb.c model/mm.c model/check.c \
              model/machine.c $(wildcard model/lazy/*.c)
MODEL_OBJS := $(MODEL_SRCS:%.c=$(B)/%.o)
MODEL_LIB  := $(B)/libmodel.a

$(MODEL_LIB): $(MODEL_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
