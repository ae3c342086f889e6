# lazymm: the real-kernel part (kernel/).  Not part of "make check": slow.
#
#   make kernel-check [KVER=6.1|6.12] [KCONFIGS="base debug"]
#                     [KSCHEMES="refcount tlbstate"] [MUTANT=NAME] [KSECS=10]
#
# Builds Debian's linux-source-6.1 with kernel/patches under build/kernel/
# (KVER=6.12: linux-source-6.12 with kernel/patches-6.12 and kernel/test
# under build/kcheck-6.12/),
# boots each configuration x scheme under qemu-system-x86_64 (TCG, -smp 4)
# and prints a summary table.  See docs/kernel.md.

.PHONY: kernel-check kernel-ci kernel-check-full kernel-clean

kernel-check:
	@KVER="$(KVER)" KCONFIGS="$(KCONFIGS)" KSCHEMES="$(KSCHEMES)" MUTANT="$(MUTANT)" \
	  KSECS="$(KSECS)" KSMP="$(KSMP)" bash kernel/kcheck.sh

# What CI runs: the 6.12 series, both configurations, refcount and tlbstate,
# then the mutants kernel/mutants-6.12/list marks for CI (KVER=6.1: the v1
# series and its one mutant).
kernel-ci:
	@KVER="$(if $(KVER),$(KVER),6.12)" bash kernel/ci.sh

# Everything for the 6.12 series (kernel/check-full.sh): CI's part with every
# mutant, upstream's shootdown, KCSAN, and the build-only jobs
# (kernel/buildonly.sh), and debug on 8 vCPUs (smp8).  About 70 minutes cold
# on 2 cores: the first five parts ran end to end on 2026-11-30 in 3200 s, all
# PASS; smp8 700 s and the two mutants added later (~5 min, estimated) on
# their own (docs/kernel.md "make kernel-check-full").
kernel-check-full:
	@bash kernel/check-full.sh

kernel-clean:
	rm -rf build/kernel build/kcheck-6.12 build/buildonly-6.12
