# lazymm — top-level build.
#
#   make                  build everything into build/
#   make check            build and run every test; ends with "N passed, M failed"
#   make check SAN=address|undefined|thread
#                         rebuild into build-<san>/ and run the suite under it
#   make run [QUICK=1]    the main job (the benchmark), results in results/
#   make install PREFIX=/usr/local   libhazptr: header, libraries, hazptr.pc, man pages
#   make clean
#
# Each component adds itself through a module.mk fragment in its own folder:
# it appends its objects, binaries and test lists to the variables below.

CC      ?= cc
ifeq ($(origin CC),default)
CC      := cc
endif
PREFIX  ?= /usr/local
SAN     ?=

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11
OPT     ?= -O2 -g
CPPFLAGS_BASE := -D_GNU_SOURCE -Iinclude
CFLAGS_BASE   := $(CSTD) $(OPT) $(WARN) -pthread
LDFLAGS_BASE  := -pthread
LDLIBS_BASE   :=

ifeq ($(SAN),)
B := build
else ifeq ($(SAN),address)
B := build-address
CFLAGS_BASE  += -fsanitize=address -fno-omit-frame-pointer
LDFLAGS_BASE += -fsanitize=address
else ifeq ($(SAN),undefined)
B := build-undefined
CFLAGS_BASE  += -fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS_BASE += -fsanitize=undefined
else ifeq ($(SAN),thread)
B := build-thread
CFLAGS_BASE  += -fsanitize=thread -DLAZYMM_TSAN=1
LDFLAGS_BASE += -fsanitize=thread
else
$(error SAN='$(SAN)' is not accepted: use SAN=address, SAN=undefined or SAN=thread)
endif

# A compiler change must not reuse objects built by the other one.
CCID := $(notdir $(firstword $(CC)))
ifneq ($(CCID),cc)
ifneq ($(CCID),gcc)
B := $(B)-$(CCID)
endif
endif

ALL_CPPFLAGS = $(CPPFLAGS_BASE) $(CPPFLAGS)
ALL_CFLAGS   = $(CFLAGS_BASE) $(CFLAGS)
ALL_LDFLAGS  = $(LDFLAGS_BASE) $(LDFLAGS)

# Filled in by the module.mk fragments.
BINS        :=
LIBS        :=
TEST_LISTS  :=
TEST_BINS   :=
HEADERS_PUB :=

.PHONY: all check run install uninstall clean verify
all:

# A missing fragment is an error, not a silently smaller build.
include lib/hazptr/module.mk
include bench/hazptr/module.mk
include tests/hazptr/module.mk
include model/module.mk
include bench/common/module.mk
include bench/lazymm/module.mk
include cli/module.mk
include predict/module.mk
include tests/model/module.mk
include tests/bench/module.mk
include verify/module.mk
include kernel/module.mk

all: $(LIBS) $(BINS) $(TEST_BINS)

# Pattern rule: every object lands under $(B)/ mirroring the source tree.
$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

check: all
	@B=$(B) SAN=$(SAN) CC="$(CC)" sh tests/run.sh $(TEST_LISTS)

# The main job: every scheme side by side (docs/bench.md).  QUICK=1: smoke.
run: $(B)/lazymm
	@mkdir -p results
	$(B)/lazymm bench --out results/latest $(if $(QUICK),--quick)

# The rules are in lib/hazptr/module.mk (the library is what installs).
install: install-hazptr
uninstall: uninstall-hazptr

clean:
	rm -rf build build-*

-include $(shell find $(B) -path $(B)/kernel -prune -o -name '*.d' -type f -print 2>/dev/null)
