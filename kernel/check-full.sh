#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make kernel-check-full": everything the 6.12 series is tested with, of
# which CI (kernel/ci.sh) runs the core.  Too slow for CI; run before a
# series change is called done.  docs/kernel.md ("make kernel-check-full")
# gives the expected duration of each part.
#
#   1. ci:        KMUTANTS=all kernel/ci.sh -- base and debug x refcount and
#                 tlbstate, then every mutant of kernel/mutants-6.12/list
#                 against its declared verdict
#   2. shootdown: upstream's unfiltered shootdown (the comparison baseline),
#                 base and debug must pass (debug needs patch 12, which
#                 closes the hotplug hole its failing debug boot found:
#                 docs/kernel.md, "debug with upstream's shootdown")
#   3. kcsan:     KCONFIGS=kcsan, refcount and tlbstate: no KCSAN report in a
#                 function the series changes (its positive control, the
#                 mutant kcsanrace, runs in part 1)
#   4. buildonly: kernel/buildonly.sh -- the product without the test patches
#                 (tlbstate, refcount), EFI + HIBERNATION, PREEMPT_RT
#   5. smp8:      debug on 8 guest vCPUs with a 60 s guest test (KSMP=8
#                 KSECS=30), upstream's shootdown, tlbstate and refcount, in
#                 that order (the shootdown part leaves obj-debug built for
#                 shootdown): more CPUs lazy on a dying mm at once, more
#                 teardown IPIs, more hotplug cycles
#
# Every part runs even if an earlier one failed; a summary names each part's
# outcome and time.  Environment: KBUILD_DIR (kernel-check folder, default
# build/kcheck-6.12), KBUILDONLY_DIR (default build/buildonly-6.12), KSMP
# (default 2; the smp8 part uses 8), FULL_PARTS (default "ci shootdown kcsan
# buildonly smp8").
# Exit status: 0 every judged part passed; 1 one failed; 2 bad arguments or a
# harness error in a part.

set -u
cd "$(dirname "$0")/.." || exit 2
export KVER=6.12 KSMP=${KSMP:-2}
KBUILD_DIR=${KBUILD_DIR:-build/kcheck-6.12}
KBUILDONLY_DIR=${KBUILDONLY_DIR:-build/buildonly-6.12}
FULL_PARTS=${FULL_PARTS:-ci shootdown kcsan buildonly smp8}
for p in $FULL_PARTS; do
	case $p in ci|shootdown|kcsan|buildonly|smp8) ;;
	*) echo "kernel/check-full.sh: unknown part '$p' (accepted: ci shootdown kcsan buildonly smp8)"; exit 2;;
	esac
done
T0=$(date +%s)
declare -a ROWS
WORST=0

part() { # name judged(yes|no) cmd...
	local name=$1 judged=$2 t rc
	shift 2
	echo "kernel/check-full.sh: === $name"
	t=$(date +%s)
	"$@"
	rc=$?
	ROWS+=("$(printf '%-22s exit %s  %5ss  %s' "$name" "$rc" $(( $(date +%s) - t )) \
		"$([ "$judged" = yes ] && { [ $rc -eq 0 ] && echo PASS || echo FAIL; } || echo 'not judged')")")
	if [ "$judged" = yes ] && [ $rc -ne 0 ]; then
		[ $rc -eq 2 ] && WORST=2
		[ $WORST -eq 0 ] && WORST=1
	fi
	return 0
}

for p in $FULL_PARTS; do
	case $p in
	ci)	part "ci (KMUTANTS=all)" yes env KBUILD_DIR="$KBUILD_DIR" KMUTANTS=all bash kernel/ci.sh;;
	shootdown)
		part "shootdown base" yes env KBUILD_DIR="$KBUILD_DIR" KCONFIGS=base KSCHEMES=shootdown bash kernel/kcheck.sh
		part "shootdown debug" yes env KBUILD_DIR="$KBUILD_DIR" KCONFIGS=debug KSCHEMES=shootdown bash kernel/kcheck.sh;;
	kcsan)	part "kcsan" yes env KBUILD_DIR="$KBUILD_DIR" KCONFIGS=kcsan KSCHEMES="refcount tlbstate" bash kernel/kcheck.sh;;
	buildonly) part "buildonly" yes env KBUILD_DIR="$KBUILDONLY_DIR" bash kernel/buildonly.sh;;
	smp8)	part "smp8 debug (60 s)" yes env KBUILD_DIR="$KBUILD_DIR" KCONFIGS=debug \
			KSCHEMES="shootdown tlbstate refcount" KSMP=8 KSECS=30 bash kernel/kcheck.sh;;
	esac
done

echo
echo "kernel-check-full summary (KVER=6.12, -smp $KSMP) [$(( $(date +%s) - T0 ))s]"
for r in "${ROWS[@]}"; do echo "$r"; done
exit $WORST
