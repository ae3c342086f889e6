# lib/hazptr: the hazard-pointer library.
#
#   $(B)/libhazptr.a                 non-PIC objects, for the project's programs
#   $(B)/libhazptr.so.$(HZ_VERSION)  PIC objects ($(B)/pic/), soname
#                                    libhazptr.so.$(HZ_SOMAJOR), exports only
#                                    the public hazptr_* calls (libhazptr.map)
#   $(B)/libhazptr.so.1, libhazptr.so  the usual symlinks
#
# Only the shared library's objects are PIC: the rest of the project builds
# ordinary position-dependent objects (PIE executables by the compiler's
# default), so static TLS stays initial-exec everywhere.

HZ_VERSION := 1.1.0
HZ_SOMAJOR := 1

HAZPTR_SRCS := lib/hazptr/domain.c lib/hazptr/record.c \
	       lib/hazptr/retire.c lib/hazptr/reclaim.c lib/hazptr/worker.c \
	       lib/hazptr/fence.c lib/hazptr/pcpu.c \
	       lib/hazptr/cohort.c lib/hazptr/cpuslot.c
HAZPTR_OBJS := $(HAZPTR_SRCS:%.c=$(B)/%.o)
HAZPTR_PIC_OBJS := $(HAZPTR_SRCS:%.c=$(B)/pic/%.o)
HZ_SO := $(B)/libhazptr.so.$(HZ_VERSION)

LIBS        += $(B)/libhazptr.a $(HZ_SO) $(B)/libhazptr.so.$(HZ_SOMAJOR) $(B)/libhazptr.so
HEADERS_PUB += include/hazptr.h
HZ_MAN3     := $(wildcard man/man3/*.3)

$(B)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(B)/libhazptr.a: $(HAZPTR_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# -z defs: no undefined symbol left to the executable (not under a
# sanitizer, whose runtime the executable brings with clang).
HZ_ZDEFS := $(if $(SAN),,-Wl,-z,defs)

$(HZ_SO): $(HAZPTR_PIC_OBJS) lib/hazptr/libhazptr.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libhazptr.so.$(HZ_SOMAJOR) \
		-Wl,--version-script=lib/hazptr/libhazptr.map $(HZ_ZDEFS) \
		$(ALL_LDFLAGS) -o $@ $(HAZPTR_PIC_OBJS)

$(B)/libhazptr.so.$(HZ_SOMAJOR): $(HZ_SO)
	ln -sf $(notdir $<) $@

$(B)/libhazptr.so: $(B)/libhazptr.so.$(HZ_SOMAJOR)
	ln -sf $(notdir $<) $@

# make install [PREFIX=/usr/local] [DESTDIR=...]: header, both libraries
# with their symlinks, hazptr.pc and the man pages.
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man

.PHONY: install-hazptr uninstall-hazptr
install-hazptr: $(LIBS)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man3
	install -m 644 $(HEADERS_PUB) $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(B)/libhazptr.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(HZ_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libhazptr.so.$(HZ_VERSION) $(DESTDIR)$(LIBDIR)/libhazptr.so.$(HZ_SOMAJOR)
	ln -sf libhazptr.so.$(HZ_SOMAJOR) $(DESTDIR)$(LIBDIR)/libhazptr.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@VERSION@|$(HZ_VERSION)|g' lib/hazptr/hazptr.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/hazptr.pc
	install -m 644 $(HZ_MAN3) $(DESTDIR)$(MANDIR)/man3/

uninstall-hazptr:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/,$(notdir $(HEADERS_PUB)))
	rm -f $(DESTDIR)$(LIBDIR)/libhazptr.a $(DESTDIR)$(LIBDIR)/libhazptr.so \
		$(DESTDIR)$(LIBDIR)/libhazptr.so.$(HZ_SOMAJOR) \
		$(DESTDIR)$(LIBDIR)/libhazptr.so.$(HZ_VERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/hazptr.pc
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(HZ_MAN3)))
