# lib/hazptr: the hazard-pointer library (libhazptr.a, libhazptr.so).

HAZPTR_SRCS := lib/hazptr/hazptr.c lib/hazptr/fence.c lib/hazptr/pcpu.c
HAZPTR_OBJS := $(HAZPTR_SRCS:%.c=$(B)/%.o)

LIBS        += $(B)/libhazptr.a $(B)/libhazptr.so
HEADERS_PUB += include/hazptr.h

$(B)/libhazptr.a: $(HAZPTR_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libhazptr.so: $(HAZPTR_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libhazptr.so $(ALL_LDFLAGS) -o $@ $^
