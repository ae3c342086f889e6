#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lazymm v2check: the checks that the v2 series (kernel/patches-6.12, for
# Debian's linux-source-6.12) gets before it is booted.  Not used by CI;
# "make kernel-check KVER=6.12" builds and boots the series.
#
#   1. unpack /usr/src/linux-source-6.12.tar.xz (once) and record it in git;
#   2. every patch of kernel/patches-6.12, then of kernel/test, applies in
#      order ("git apply --check", "patch --dry-run", then "git apply");
#   3. scripts/checkpatch.pl --strict on every patch;
#   4. x86_64 defconfig plus each lazy TLB scheme, compile only the objects
#      the series touches (W=1): refcount, shootdown and tlbstate without the
#      test patches (the product), then refcount and tlbstate with them.
#
# Environment:
#   KBUILD_DIR  where the tree and the build folders go (default build/kernel-6.12)
#   KTARBALL    the source tarball       (default /usr/src/linux-source-6.12.tar.xz)
#   JOBS        make -j                  (default 2)
#   STEPS       any of "apply checkpatch compile"  (default all three)
#
# Exit status: 0 all requested steps passed; 1 a patch did not apply, a
# checkpatch finding other than the expected ones (see docs/kernel.md) or a
# compile failure; 2 bad environment (no tarball, no git).
#
# Every make runs under "nice -n 19".  Run it under the heavy-job lock:
#   flock /tmp/lazymm-heavy.lock bash kernel/v2check.sh

set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BUILD=${KBUILD_DIR:-$REPO/build/kernel-6.12}
# A relative KBUILD_DIR is taken from the caller's folder; make it absolute,
# since the builds run with make -C "$SRC" O=... from another folder.
BUILD=$(realpath -m -- "$BUILD")
TARBALL=${KTARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-2}
STEPS=${STEPS:-apply checkpatch compile}
SRC=$BUILD/src/linux-source-6.12
NICE="nice -n 19"
SERIES=("$HERE"/patches-6.12/*.patch)
TESTP=("$HERE"/test/*.patch)
# The objects the series and the test patches change (or that include the
# headers they change).
OBJS="arch/x86/mm/tlb.o arch/x86/events/core.o arch/x86/lib/insn-eval.o
arch/x86/power/cpu.o arch/x86/platform/efi/efi_64.o kernel/fork.o
kernel/sched/core.o kernel/kthread.o fs/exec.o kernel/exit.o kernel/cpu.o
arch/x86/kernel/hw_breakpoint.o arch/x86/kernel/ldt.o"
TEST_OBJS="mm/lazy_tlb_stats.o lib/test_lazy_tlb_kthread.o"
# checkpatch findings that are expected: the placeholder identity (the
# submitter replaces it) and new files without a MAINTAINERS entry in the
# test-only patches.
EXPECTED_RE="Unrecognized email address: '<submitter>'|Missing Signed-off-by: line by nominal patch author ''|does MAINTAINERS need updating"

say() { echo "v2check: $*"; }
die() { say "ERROR: $*"; exit 2; }
fail=0

for s in $STEPS; do
	case $s in
	apply|checkpatch|compile) ;;
	*) die "unknown step '$s' in STEPS (accepted: apply checkpatch compile)" ;;
	esac
done
command -v git >/dev/null || die "git is needed"
[ -f "$TARBALL" ] || die "$TARBALL not found: apt-get install linux-source-6.12"
[ -e "${SERIES[0]}" ] || die "no patches in $HERE/patches-6.12"

# 1. The tree, recorded in git so that each step starts from it.
if [ ! -d "$SRC/.git" ]; then
	mkdir -p "$BUILD/src" || die "cannot create $BUILD/src"
	say "unpacking $TARBALL"
	tar -C "$BUILD/src" -xf "$TARBALL" || die "unpacking failed"
	# Debian's .gitignore ignores every top-level entry, hence add -f.
	(cd "$SRC" && git init -q && git add -f -A . &&
	 git -c user.name=v2check -c user.email=v2check@invalid \
		commit -qm "$(basename "$TARBALL")" && git tag pristine) ||
		die "recording the tree in git failed"
fi
cd "$SRC" || die "no $SRC"
reset_tree() { git checkout -q -f pristine && git clean -qfdx; }

apply_all() { # apply_all PATCH... : to the current tree, stop at the first failure
	local p
	for p in "$@"; do
		if git apply --check "$p" && patch -p1 --dry-run -s <"$p" >/dev/null &&
		   git apply "$p"; then
			say "applies: $(basename "$p")"
		else
			say "FAIL: does not apply: $(basename "$p")"
			return 1
		fi
	done
}

if [[ " $STEPS " == *" apply "* ]]; then
	reset_tree
	apply_all "${SERIES[@]}" "${TESTP[@]}" || fail=1
fi

if [[ " $STEPS " == *" checkpatch "* ]]; then
	for p in "${SERIES[@]}" "${TESTP[@]}"; do
		out=$(./scripts/checkpatch.pl --strict --no-tree "$p" 2>&1)
		findings=$(grep -E '^(ERROR|WARNING|CHECK):' <<<"$out")
		unexpected=$(grep -Ev "$EXPECTED_RE" <<<"$findings")
		say "checkpatch $(basename "$p"): $(grep '^total:' <<<"$out")"
		if [ -n "$unexpected" ]; then
			say "FAIL: unexpected checkpatch findings:"
			echo "$unexpected"
			fail=1
		fi
	done
fi

# The config options and object lists are word lists on purpose.
# shellcheck disable=SC2086
build_objs() { # build_objs NAME "SCRIPTS-CONFIG-ARGS" OBJECTS
	local name=$1 cfg=$2 objs=$3 o rc
	o=$BUILD/obj-$name
	mkdir -p "$o"
	$NICE make -s O="$o" ARCH=x86_64 defconfig >"$o.log" 2>&1 &&
	./scripts/config --file "$o/.config" $cfg &&
	$NICE make -s O="$o" ARCH=x86_64 olddefconfig >>"$o.log" 2>&1 &&
	$NICE make O="$o" ARCH=x86_64 -j"$JOBS" W=1 $objs >>"$o.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -qE '(warning|error):' "$o.log"; then
		say "FAIL: $name (rc=$rc), see $o.log"
		grep -E '(warning|error):' "$o.log" | head -20
		fail=1
	else
		say "compiles without warnings: $name"
	fi
}

if [[ " $STEPS " == *" compile "* ]]; then
	DBG="-e DEBUG_KERNEL -e DEBUG_VM -e DEBUG_VM_SHOOT_LAZIES"
	reset_tree
	if apply_all "${SERIES[@]}" >/dev/null; then
		build_objs refcount "-e X86_LAZY_TLB_REFCOUNT" "$OBJS"
		build_objs shootdown "-d X86_LAZY_TLB_REFCOUNT -e X86_LAZY_TLB_SHOOTDOWN $DBG" "$OBJS"
		build_objs tlbstate "-d X86_LAZY_TLB_REFCOUNT -e X86_LAZY_TLB_TLBSTATE $DBG" "$OBJS"
	else
		fail=1
	fi
	if apply_all "${TESTP[@]}" >/dev/null; then
		TST="-e DEBUG_KERNEL -e DEBUG_FS -e DEBUG_LAZY_TLB_STATS -e TEST_LAZY_TLB_KTHREAD"
		build_objs test-refcount "-e X86_LAZY_TLB_REFCOUNT $TST" "$OBJS $TEST_OBJS"
		build_objs test-tlbstate "-d X86_LAZY_TLB_REFCOUNT -e X86_LAZY_TLB_TLBSTATE $DBG $TST" "$OBJS $TEST_OBJS"
	else
		fail=1
	fi
	# The build folders are reused by the next run; leave the tree clean.
	reset_tree
fi

if [ $fail -eq 0 ]; then
	say "OK: $STEPS"
else
	say "FAILED"
fi
exit $fail
