# The model: kernel machinery, the lazy-mm schemes and the harness every
# driver runs on, as one static library.
MODEL_SRCS := model/smp.c model/sched.c model/cpu.c model/tlb.c model/mm.c \
              model/machine.c model/check.c model/alloc.c model/stats.c \
              model/trace.c model/harness.c model/hotplug.c model/membarrier.c model/efi.c \
              $(wildcard model/lazy/*.c)
MODEL_OBJS := $(MODEL_SRCS:%.c=$(B)/%.o)
MODEL_LIB  := $(B)/libmodel.a

$(MODEL_LIB): $(MODEL_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
