#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lazymm build-only jobs for the 6.12 series (issue 13): whole kernels
# (bzImage) of the *product*, i.e. Debian's linux-source-6.12 with
# kernel/patches-6.12 only -- without the test-only patches of kernel/test --
# in configurations that the booted guests (kernel/kcheck.sh) do not cover.
# Nothing is booted.
#
# Jobs (BJOBS, default: all four, in this order):
#   product-tlbstate  base.config without its test-only options, tlbstate:
#                     the product with CONFIG_DEBUG_LAZY_TLB_STATS "off"
#                     (the option does not exist without kernel/test)
#   product-refcount  the same with the default choice, refcount (an
#                     incremental rebuild of product-tlbstate's folder)
#   efi-hib-tlbstate  + buildonly-efi-hib.config: EFI, EFI_STUB, HIBERNATION
#                     (patch 7's efi_64.c, patch 3's arch/x86/power/cpu.c)
#   rt-tlbstate       + buildonly-rt.config: PREEMPT_RT (without base.config's
#                     TRANSPARENT_HUGEPAGE, which 6.12 does not offer with RT)
#
# Each job: tinyconfig + the fragments (checked to survive olddefconfig, as in
# kcheck.sh), make bzImage, then the objects the job is for must exist, and
# the build log must have no compiler warning in a file the series changes
# (the files named by kernel/patches-6.12).  Prints a summary with each job's
# time and warning counts.
#
# Environment: KVER (6.12 only), BJOBS, JOBS (make -j, default nproc), KNICE
# (default 19), KBUILD_DIR (default build/buildonly-6.12; one object folder
# per job, obj-product for both product jobs).
#
# Exit status: 0 every job built without warnings in changed files; 1 a build
# failed or warned in a changed file; 2 harness error (bad KVER or job name,
# missing package, patch does not apply, a configuration option lost).

set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KVER=${KVER:-6.12}
[ "$KVER" = 6.12 ] || { echo "buildonly: ERROR: KVER='$KVER' (accepted: 6.12)"; exit 2; }
ALL_JOBS="product-tlbstate product-refcount efi-hib-tlbstate rt-tlbstate"
BJOBS=${BJOBS:-$ALL_JOBS}
BUILD=${KBUILD_DIR:-$REPO/build/buildonly-6.12}
# A relative KBUILD_DIR is taken from the caller's folder; make it absolute,
# since the builds run with make -C "$SRC" O=... from another folder.
BUILD=$(realpath -m -- "$BUILD")
TARBALL=${KTARBALL:-/usr/src/linux-source-$KVER.tar.xz}
CFGDIR=$HERE/config-6.12
JOBS=${JOBS:-$(nproc)}
NICE="nice -n ${KNICE:-19}"
SRC=$BUILD/src/linux-source-$KVER
# base.config's options that exist only with the test patches (kernel/test)
TEST_ONLY_RE='^CONFIG_(DEBUG_LAZY_TLB_STATS|TEST_LAZY_TLB_KTHREAD)='

T_START=$(date +%s)
now() { date +%s; }
say() { echo "buildonly: $*"; }
die() { say "ERROR: $*"; exit 2; }

[ -r "$TARBALL" ] || die "$TARBALL missing: apt-get install linux-source-$KVER (see kernel/packages.txt)"
for tool in gcc make bison flex bc xz patch sha256sum; do
	command -v $tool >/dev/null || die "$tool not found (see kernel/packages.txt)"
done
for j in $BJOBS; do
	[[ " $ALL_JOBS " == *" $j "* ]] || die "unknown job '$j' (accepted: $ALL_JOBS)"
done
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
flock -n 9 || { say "waiting for another buildonly.sh on $BUILD"; flock 9; }

# ---------------------------------------------------------------- source
PATCHES=$(ls "$HERE"/patches-6.12/*.patch 2>/dev/null | sort)
[ -n "$PATCHES" ] || die "no patches in kernel/patches-6.12"
STAMP=$( (stat -c '%n %s %Y' "$TARBALL"; cat $PATCHES) | sha256sum | cut -c1-16)
if [ "$(cat "$BUILD/src/.stamp" 2>/dev/null)" = "$STAMP" ]; then
	say "source: reusing $SRC (series unchanged)"
else
	rm -rf "$BUILD/src"; mkdir -p "$BUILD/src"
	say "source: unpacking $TARBALL"
	tar -C "$BUILD/src" -xf "$TARBALL" || die "cannot unpack $TARBALL"
	for p in $PATCHES; do
		patch -d "$SRC" -p1 -s --forward --no-backup-if-mismatch < "$p" ||
			die "patch $(basename "$p") does not apply"
	done
	echo "$STAMP" > "$BUILD/src/.stamp"
fi
# The files the series changes; a warning in one of them fails the job.
CHANGED=$(sed -n 's|^+++ b/||p' $PATCHES | grep -v '^Documentation/' | sort -u)
CHANGED_RE=$(echo "$CHANGED" | sed 's/[.]/[.]/g' | paste -sd'|')

# ---------------------------------------------------------------- jobs
. "$HERE/kconfig.sh"
configure() { kconfig_merge "$@"; } # obj fragment...

declare -a ROWS
FAILED=0
HARNESS_FAILED=0
PRODUCT_BASE=$BUILD/product-base.config

for job in $BJOBS; do
	drop='^$'	# base.config options a job cannot have
	case $job in
	product-tlbstate) obj=obj-product; frags=(tlbstate.config); objs="arch/x86/mm/tlb.o kernel/fork.o";;
	product-refcount) obj=obj-product; frags=(refcount.config); objs="arch/x86/mm/tlb.o kernel/fork.o";;
	efi-hib-tlbstate) obj=obj-efi-hib; frags=(buildonly-efi-hib.config tlbstate.config)
		objs="arch/x86/platform/efi/efi_64.o arch/x86/power/cpu.o arch/x86/power/hibernate.o";;
	rt-tlbstate) obj=obj-rt; frags=(buildonly-rt.config tlbstate.config); objs="arch/x86/mm/tlb.o kernel/sched/core.o"
		drop='^CONFIG_TRANSPARENT_HUGEPAGE=';;	# 6.12: THP depends on !PREEMPT_RT
	esac
	grep -vE "$TEST_ONLY_RE" "$CFGDIR/base.config" | grep -vE "$drop" > "$PRODUCT_BASE"
	obj=$BUILD/$obj
	paths=("$PRODUCT_BASE")
	for f in "${frags[@]}"; do paths+=("$CFGDIR/$f"); done
	mkdir -p "$obj"
	say "=== $job: base.config (product) + ${frags[*]}"
	t0=$(now)
	if ! configure "$obj" "${paths[@]}"; then
		ROWS+=("$(printf '%-18s %s' "$job" "CONFIG FAILED")"); HARNESS_FAILED=1; continue
	fi
	if ! $NICE make -C "$SRC" O="$obj" ARCH=x86_64 -j"$JOBS" bzImage > "$obj/build-$job.log" 2>&1; then
		tail -30 "$obj/build-$job.log"
		ROWS+=("$(printf '%-18s %-6s %6ss  %s' "$job" FAIL $(( $(now) - t0 )) "build failed: $obj/build-$job.log")")
		FAILED=1; continue
	fi
	dt=$(( $(now) - t0 ))
	why=""
	for o in $objs; do [ -f "$obj/$o" ] || why="${why:+$why; }$o not built"; done
	nw=$(grep -c 'warning:' "$obj/build-$job.log")
	nwc=$(grep 'warning:' "$obj/build-$job.log" | grep -cE "($CHANGED_RE):")
	if [ "$nwc" -gt 0 ]; then
		grep 'warning:' "$obj/build-$job.log" | grep -E "($CHANGED_RE):" | sed 's/^/  warning in a changed file: /'
		why="${why:+$why; }$nwc warnings in changed files"
	fi
	verdict=OK; [ -n "$why" ] && { verdict=FAIL; FAILED=1; }
	ROWS+=("$(printf '%-18s %-6s %6ss  warnings %s (changed files %s)%s' "$job" "$verdict" "$dt" "$nw" "$nwc" "${why:+  $why}")")
	say "$job: $verdict in ${dt}s ($obj/build-$job.log)"
done

{
	echo
	echo "buildonly summary (linux-source-$KVER + kernel/patches-6.12, no test patches) [$(( $(now) - T_START ))s, make -j$JOBS]"
	for r in "${ROWS[@]}"; do echo "$r"; done
} | tee "$BUILD/summary.txt"
[ $HARNESS_FAILED -ne 0 ] && exit 2
[ $FAILED -ne 0 ] && exit 1
exit 0
