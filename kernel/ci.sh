#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What CI runs for the kernel part (called from .ci/run):
#   1. make kernel-check: both configurations (base, debug) x both schemes
#      (refcount, tlbstate); every run must pass.
#   2. the mutants: each must get its declared verdict.
#      KVER=6.1:  kernel/mutants/noshootdown (MUTANT_CI) must FAIL, with a
#                 KASAN or BUG report.
#      KVER=6.12: the mutants of kernel/mutants-6.12/list marked "ci yes"
#                 (KMUTANTS=all: every mutant of the list, what
#                 "make kernel-check-full" runs).  A "caught" mutant must
#                 FAIL with a KASAN, BUG: or WARNING: report, or, booted in
#                 a KCSAN configuration ("X-Lazymm-Config: kcsan"), a KCSAN
#                 report in a function the series changes (or, where the
#                 list says "triple-fault", a triple fault that QEMU logged);
#                 a "survives" mutant must pass.
# Prints each part's duration.  Exits non-zero with a message naming the part
# that failed.  Needs the packages in kernel/packages.txt.  KBUILD_DIR
# (default build/kernel, build/kcheck-6.12 for 6.12) chooses the build
# folder, e.g. a fresh one to time a cold run.  KVER=6.12 boots the guest on
# 2 vCPUs unless KSMP says otherwise: every 6.12 verdict in docs/kernel.md
# was measured so.

set -u
cd "$(dirname "$0")/.." || exit 2
export KVER=${KVER:-6.1}
KMUTANTS=${KMUTANTS:-ci}
case $KVER in
6.1) SUMDIR=${KBUILD_DIR:-build/kernel}; MUT_RE='KASAN|BUG:'
     MUTANTS="${MUTANT_CI:-noshootdown}:caught";;
6.12) SUMDIR=${KBUILD_DIR:-build/kcheck-6.12}; MUT_RE='KASAN|BUG:|WARNING:|KCSAN reports in changed paths'
     export KSMP=${KSMP:-2}
     case $KMUTANTS in
     ci|all) ;;
     *) echo "kernel/ci.sh: KMUTANTS='$KMUTANTS' (accepted: ci all)"; exit 2;;
     esac
     # name expect ci [also], comments and blank lines skipped
     MUTANTS=$(awk -v all="$KMUTANTS" '!/^#/ && NF >= 3 && (all == "all" || $3 == "yes") { print $1 ":" $2 ":" $4 }' \
		kernel/mutants-6.12/list) || exit 2
     [ -n "$MUTANTS" ] || { echo "kernel/ci.sh: no mutants selected from kernel/mutants-6.12/list"; exit 2; };;
*) echo "kernel/ci.sh: KVER='$KVER' (accepted: 6.1 6.12)"; exit 2;;
esac
T0=$(date +%s)
fail() { echo "kernel/ci.sh: FAILED: $*"; echo "kernel/ci.sh: total $(( $(date +%s) - T0 ))s"; exit 1; }

t=$(date +%s)
bash kernel/kcheck.sh
rc=$?
D1=$(( $(date +%s) - t ))
echo "kernel/ci.sh: part 1 (make kernel-check, 2 configs x 2 schemes): ${D1}s, exit $rc"
[ $rc -eq 0 ] || fail "part 1: make kernel-check (exit $rc; see $SUMDIR/summary.txt and $SUMDIR/logs/)"

# A caught mutant's failure shows only when the guest makes the broken case
# happen, which it makes likely but cannot force (docs/kernel.md): a caught
# mutant that slips through one boot gets one more before CI fails.
t=$(date +%s)
for m in $MUTANTS; do
	IFS=: read -r name expect also <<<"$m"
	case $expect in caught|survives) ;; *) fail "part 2: mutant $name: expect '$expect' (accepted: caught survives)";; esac
	case $also in "") re=$MUT_RE;; triple-fault) re="$MUT_RE|triple-fault";;
	*) fail "part 2: mutant $name: also '$also' (accepted: triple-fault or nothing)";; esac
	tm=$(date +%s)
	for try in 1 2; do
		MUTANT=$name bash kernel/kcheck.sh
		rc=$?
		[ $rc -eq 0 ] && [ "$expect" = caught ] || break
		echo "kernel/ci.sh: mutant $name not caught in boot $try"
	done
	echo "kernel/ci.sh: mutant $name (expected: $expect): exit $rc, $(( $(date +%s) - tm ))s"
	if [ "$expect" = caught ]; then
		[ $rc -eq 1 ] || fail "part 2: mutant $name was not caught (exit $rc; 0 = passed, 2 = harness error)"
		grep -Eq "$re" "$SUMDIR/summary-$name.txt" ||
			fail "part 2: mutant $name failed, but without a report matching $re"
	else
		[ $rc -eq 0 ] || fail "part 2: mutant $name, declared 'survives', did not pass (exit $rc): update kernel/mutants-6.12/list and docs/kernel.md"
	fi
done
D2=$(( $(date +%s) - t ))
echo "kernel/ci.sh: part 2 (mutants: $(echo $MUTANTS)): ${D2}s"

echo "kernel/ci.sh ($KVER): OK: part 1 ${D1}s, part 2 ${D2}s, total $(( $(date +%s) - T0 ))s"
