#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lazymm kernel-check: unpack Debian's linux-source-6.1 (or 6.12), apply the
# lazy-TLB series (kernel/patches, or kernel/patches-6.12 + kernel/test), build
# each configuration x scheme, boot each under qemu-system-x86_64 (TCG, -smp 4)
# with kernel/guest/lazytest.c as /init, and judge the serial log.  Called by
# "make kernel-check" (kernel/module.mk).  With KVER=6.12 the guest also runs
# the tree's membarrier selftests (tools/testing/selftests/membarrier, built
# static here against the tree's UAPI headers); every one of their results must
# be "ok" (summary: mb:ok).  The "kcsan" configuration boots without
# panic_on_warn and judges KCSAN reports: one whose stacks touch a function
# the series changes fails the run, the others are listed (<log>.kcsan).
#
# Environment:
#   KVER       6.1 (the v1 series, default) or 6.12 (the v2 series with the
#              test-only patches of kernel/test; config from kernel/config-6.12/)
#   KCONFIGS   configurations, from kernel/config/<name>.config  (default "base debug";
#              KVER=6.12 also has "kcsan" and "kcsan-strict", see
#              kernel/config-6.12/kcsan*.config)
#   KSCHEMES   refcount and/or tlbstate; with KVER=6.12 also shootdown
#                                                                  (default "refcount tlbstate")
#   MUTANT     apply kernel/mutants/<MUTANT>.patch on top; the check is then
#              expected to FAIL (configuration: the one the mutant's
#              "X-Lazymm-Config:" header names, default "debug"; scheme: the
#              one its "X-Lazymm-Scheme:" header names, default tlbstate)
#   KSECS      seconds the guest test runs in "base"; "debug" runs twice as
#              long, since KASAN and lockdep make it ~20x slower     (default 10)
#   KSMP       guest CPUs                                          (default 4)
#   JOBS       make -j                                             (default nproc)
#   KNICE      nice level of every build and boot                  (default 19)
#   KMIN_IPIS  KVER=6.12, base configuration, schemes without a refcount: the
#              least number of teardown shootdown IPIs the noevict phase must
#              show (default 1; 0 turns the check off)
#   KBUILD_DIR build folder (default build/kernel, build/kcheck-6.12 for 6.12)
#   KQEMU_LOG  QEMU -d items logged into <serial log>.qemu-d (default
#              cpu_reset: QEMU then also logs "Triple fault", which the
#              judge reports as a kernel death; "" turns the log off)
#
# Exit status: 0 every run passed; 1 some run failed the check (kernel report,
# no result line, wrong counters); 2 the harness itself failed (missing
# package, patch does not apply, build error).
#
# Everything is built under build/kernel/ (build/kcheck-6.12/); nothing is
# written elsewhere.

set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KVER=${KVER:-6.1}
case $KVER in
6.1)	BUILD=${KBUILD_DIR:-$REPO/build/kernel}
	CFGDIR=$HERE/config; MUTDIR=$HERE/mutants; SCHEMES_OK="refcount tlbstate";;
6.12)	BUILD=${KBUILD_DIR:-$REPO/build/kcheck-6.12}
	CFGDIR=$HERE/config-6.12; MUTDIR=$HERE/mutants-6.12; SCHEMES_OK="refcount shootdown tlbstate";;
*)	echo "kernel-check: ERROR: KVER='$KVER' (accepted: 6.1 6.12)"; exit 2;;
esac
# A relative KBUILD_DIR is taken from the caller's folder; make it absolute,
# since the builds run with make -C "$SRC" O=... from another folder.
BUILD=$(realpath -m -- "$BUILD")
TARBALL=${KTARBALL:-/usr/src/linux-source-$KVER.tar.xz}
MUTANT=${MUTANT:-}
if [ -n "$MUTANT" ]; then
	# A mutant names the scheme it breaks ("X-Lazymm-Scheme:" in its header)
	# and, if not "debug", the configuration that can catch it
	# ("X-Lazymm-Config:", e.g. kcsan).
	MSCHEME=$(sed -n 's/^X-Lazymm-Scheme: *//p' "$MUTDIR/$MUTANT.patch" 2>/dev/null | head -1)
	MCONFIG=$(sed -n 's/^X-Lazymm-Config: *//p' "$MUTDIR/$MUTANT.patch" 2>/dev/null | head -1)
	KCONFIGS=${KCONFIGS:-${MCONFIG:-debug}}
	KSCHEMES=${KSCHEMES:-${MSCHEME:-tlbstate}}
else
	KCONFIGS=${KCONFIGS:-base debug}
	KSCHEMES=${KSCHEMES:-refcount tlbstate}
fi
KSECS=${KSECS:-10}
KSMP=${KSMP:-4}
JOBS=${JOBS:-$(nproc)}
KMIN_IPIS=${KMIN_IPIS:-1}
KQEMU_LOG=${KQEMU_LOG-cpu_reset}
NICE="nice -n ${KNICE:-19}"
SRC=$BUILD/src/linux-source-$KVER
LOGS=$BUILD/logs
SUMMARY=$BUILD/summary${MUTANT:+-$MUTANT}.txt
# What a passing serial log must not contain.
REPORT_RE='BUG:|WARNING:|KASAN|Oops|Kernel panic|general protection fault'
# KVER=6.12: the kselftests the guest runs (from $SRC/tools/testing/selftests/membarrier).
SELFTESTS_612="membarrier_test_single_thread membarrier_test_multi_thread"
SELFTESTS=""
# KCSAN reports (configuration "kcsan") fail the run when a stack names one of
# the functions the series changes (kernel/patches-6.12, kernel/test).  The
# functions that only host inlined changed code -- context_switch() and
# switch_mm_cid() in __schedule(), mmdrop_lazy_tlb_sched() in
# finish_task_switch() -- count only as the racing access's own (top) frame:
# the guest kernels have no debug info to name inlined frames.
KCSAN_CHANGED_RE='^(switch_mm_irqs_off|arch_lazy_tlb_cpu_uses_mm|lazy_tlb_cpu_uses_mm|shoot_lazy_tlbs|check_offline_lazy_tlbs|cleanup_lazy_tlbs|do_shoot_lazy_tlb|do_check_lazy_tlb|__mmdrop|enter_lazy_tlb|leave_mm|flush_tlb_func|cond_mitigation|l1d_flush_evaluate|idle_task_exit|efi_enter_mm|efi_leave_mm|get_segment_base|get_desc|fix_processor_context|cr4_update_pce|native_flush_tlb_multi|switch_ldt|load_mm_ldt)$'
KCSAN_TOP_RE='^(__schedule|finish_task_switch)$'

T_START=$(date +%s)
now() { date +%s; }
say() { echo "kernel-check: $*"; }
die() { say "ERROR: $*"; exit 2; }
timed() { # timed LABEL cmd... : run, print the duration
	local label=$1 t0 rc
	shift
	t0=$(now)
	"$@"
	rc=$?
	say "time: $label $(( $(now) - t0 ))s"
	return $rc
}

# ---------------------------------------------------------------- checks
[ -r "$TARBALL" ] || die "$TARBALL missing: apt-get install linux-source-$KVER (see kernel/packages.txt)"
for tool in qemu-system-x86_64 gcc make bison flex bc cpio xz patch sha256sum; do
	command -v $tool >/dev/null || die "$tool not found (see kernel/packages.txt)"
done
for c in $KCONFIGS; do [ -f "$CFGDIR/$c.config" ] || die "no $CFGDIR/$c.config"; done
for s in $KSCHEMES; do
	[[ " $SCHEMES_OK " == *" $s "* ]] || die "unknown scheme '$s' for $KVER ($SCHEMES_OK)"
done
if [ -n "$MUTANT" ]; then
	MUTANT_PATCH=$MUTDIR/$MUTANT.patch
	[ -f "$MUTANT_PATCH" ] || die "no mutant $MUTANT (have: $(cd "$MUTDIR" 2>/dev/null && ls *.patch | sed 's/\.patch$//' | tr '\n' ' '))"
fi
mkdir -p "$BUILD" "$LOGS"

# One kernel-check at a time per build/ (the mutant is applied in place).
exec 9>"$BUILD/.lock"
flock -n 9 || { say "waiting for another kernel-check"; flock 9; }

# ---------------------------------------------------------------- source
if [ "$KVER" = 6.1 ]; then
	PATCHES=$(ls "$HERE"/patches/*.patch 2>/dev/null | sort)
else	# the series, then the test-only patches on top
	PATCHES=$(ls "$HERE"/patches-6.12/*.patch 2>/dev/null | sort; ls "$HERE"/test/*.patch 2>/dev/null | sort)
fi
[ -n "$PATCHES" ] || die "no patches for $KVER"
STAMP=$( (stat -c '%n %s %Y' "$TARBALL"; cat $PATCHES) | sha256sum | cut -c1-16)

unapply_mutant() {
	if [ -f "$BUILD/src/.mutant" ]; then
		patch -d "$SRC" -p1 -R -s --no-backup-if-mismatch < "$BUILD/src/.mutant" ||
			{ say "cannot revert mutant; removing the tree"; rm -rf "$BUILD/src"; return; }
		# The reverted files are newer than the mutant's objects, so the
		# next build recompiles them; make that certain.
		(cd "$SRC" && sed -n 's|^+++ b/||p' "$BUILD/src/.mutant" | xargs -r touch)
		rm -f "$BUILD/src/.mutant"
	fi
}

prepare_source() {
	unapply_mutant
	if [ -f "$BUILD/src/.stamp" ] && [ "$(cat "$BUILD/src/.stamp")" = "$STAMP" ]; then
		say "source: reusing $SRC (series unchanged)"
		return 0
	fi
	rm -rf "$BUILD/src"
	mkdir -p "$BUILD/src"
	say "source: unpacking $TARBALL"
	tar -C "$BUILD/src" -xf "$TARBALL" || return 1
	local p
	for p in $PATCHES; do
		say "source: applying $(basename "$p")"
		patch -d "$SRC" -p1 -s --forward --no-backup-if-mismatch < "$p" ||
			{ say "patch $(basename "$p") does not apply"; return 1; }
	done
	echo "$STAMP" > "$BUILD/src/.stamp"
}
timed unpack+patch prepare_source || die "could not prepare the source tree"

if [ -n "$MUTANT" ]; then
	say "mutant: applying $MUTANT"
	cp "$MUTANT_PATCH" "$BUILD/src/.mutant"
	patch -d "$SRC" -p1 -s --forward --no-backup-if-mismatch < "$MUTANT_PATCH" ||
		{ rm -f "$BUILD/src/.mutant"; die "mutant $MUTANT does not apply"; }
	trap unapply_mutant EXIT
fi

# ---------------------------------------------------------------- guest
build_guest() {
	gcc -O2 -static -pthread -Wall -Wextra -o "$BUILD/lazytest" "$HERE/guest/lazytest.c"
}
timed guest build_guest || die "cannot build the guest test program (libc6-dev?)"

# KVER=6.12: the membarrier selftests of the unpacked tree, built static
# against its own UAPI headers ("make headers" into $BUILD/hdr once per
# source stamp: the host's linux-libc-dev may predate the tree's
# MEMBARRIER_CMD_GET_REGISTRATIONS), with its tools/testing/selftests/kselftest.h.
build_selftests() {
	local dir=$SRC/tools/testing/selftests/membarrier t
	if [ "$(cat "$BUILD/hdr/.stamp" 2>/dev/null)" != "$STAMP" ]; then
		rm -rf "$BUILD/hdr"
		$NICE make -s -C "$SRC" O="$BUILD/hdr" ARCH=x86_64 headers >/dev/null || return 1
		echo "$STAMP" > "$BUILD/hdr/.stamp"
	fi
	mkdir -p "$BUILD/selftests"
	rm -f "$BUILD"/selftests/*
	for t in $SELFTESTS_612; do
		$NICE gcc -O2 -static -pthread -isystem "$BUILD/hdr/usr/include" \
			-o "$BUILD/selftests/$t" "$dir/$t.c" 2>"$BUILD/selftests/$t.log" ||
			{ cat "$BUILD/selftests/$t.log"; return 1; }
		rm -f "$BUILD/selftests/$t.log"
	done
}
if [ "$KVER" = 6.12 ]; then
	SELFTESTS=$SELFTESTS_612
	timed selftests build_selftests || die "cannot build the membarrier selftests of $SRC"
fi

# ---------------------------------------------------------------- per run
declare -a ROWS
FAILED=0
HARNESS_FAILED=0

. "$HERE/kconfig.sh"
configure() { # obj cfg scheme
	local obj=$1 cfg=$2 scheme=$3
	local frags=("$CFGDIR/base.config")
	[ "$cfg" != base ] && frags+=("$CFGDIR/$cfg.config")
	# 6.12 debug: the shootdown self-check, for the schemes that shoot down
	[ "$cfg" = debug ] && [ "$scheme" != refcount ] && [ -f "$CFGDIR/debug-shootdown.config" ] &&
		frags+=("$CFGDIR/debug-shootdown.config")
	frags+=("$CFGDIR/$scheme.config")
	kconfig_merge "$obj" "${frags[@]}"
}

# KCSAN: upstream builds arch/x86/mm/ without it (its Makefile: modpost warnings
# about __initdata from other files of the folder), and with it tlb.c --
# switch_mm_irqs_off(), arch_lazy_tlb_cpu_uses_mm(), enter_lazy_tlb(), the
# flush -- would be invisible to the detector.  The kcsan configuration turns
# it back on for tlb.o alone (the only tlb.o in these builds).  kernel/sched/
# stays without it (upstream: noise, cost); its per-file switch would be
# KCSAN_SANITIZE_core.o, which would also instrument KCSAN's own runtime,
# kernel/kcsan/core.o.  kernel/fork.c and kernel/kthread.c are instrumented
# as upstream has them.
build_kernel() { # obj cfg
	local extra=()
	[[ $2 == kcsan* ]] && extra=(KCSAN_SANITIZE_tlb.o=y)
	$NICE make -C "$SRC" O="$1" ARCH=x86_64 -j"$JOBS" "${extra[@]}" bzImage > "$1/build.log" 2>&1 ||
		{ tail -40 "$1/build.log"; return 1; }
}

boot() { # obj log timeout secs cfg
	local obj=$1 log=$2 tmo=$3 secs=$4 cfg=$5 pow=1
	cat > "$obj/initramfs.list" <<-EOF
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	file /init $BUILD/lazytest 0755 0 0
	EOF
	if [ -n "$SELFTESTS" ]; then	# lazytest runs every program in /selftests
		local t
		echo "dir /selftests 0755 0 0" >> "$obj/initramfs.list"
		for t in $SELFTESTS; do
			echo "file /selftests/$t $BUILD/selftests/$t 0755 0 0" >> "$obj/initramfs.list"
		done
	fi
	"$obj/usr/gen_init_cpio" "$obj/initramfs.list" | gzip -9 > "$obj/initramfs.cpio.gz" || return 1
	rm -f "$log" "$log.qemu-d" "$log.kcsan"
	# KCSAN reports call check_panic_on_warn(): with panic_on_warn the
	# first report, wherever it is, would end the run.  WARNINGs still
	# fail it (judge).
	[[ $cfg == kcsan* ]] && pow=0
	$NICE timeout "$tmo" qemu-system-x86_64 -accel tcg -smp "$KSMP" -m 1G \
		-nographic -no-reboot -monitor none -display none \
		-kernel "$obj/arch/x86/boot/bzImage" -initrd "$obj/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 printk.time=1 oops=panic panic_on_warn=$pow lazytest.secs=$secs" \
		-serial file:"$log" ${KQEMU_LOG:+-d "$KQEMU_LOG" -D "$log.qemu-d"} < /dev/null > "$log.qemu" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && say "qemu timed out after ${tmo}s"
	sed -i 's/\r$//' "$log"	# the serial console ends lines with CR LF
	return 0	# qemu exits 0 after a panic too: the log decides
}

kv() { # "k1=v1 k2=v2 ..." key -> value
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# KCSAN reports of a serial log, one line each into <log>.kcsan:
# "changed <functions> | <title>" when a stack names a changed function
# (KCSAN_CHANGED_RE anywhere, KCSAN_TOP_RE as an access's top frame),
# "other | <title>" otherwise.
kcsan_classify() { # log
	sed 's/^\[[ 0-9.]*\] //' "$1" | awk -v any="$KCSAN_CHANGED_RE" -v top="$KCSAN_TOP_RE" '
	function flush() { if (title != "") print (hit != "" ? "changed" hit : "other") " | " title; title = "" }
	/^BUG: KCSAN: / { flush(); title = $0; sub(/^BUG: KCSAN: /, "", title); hit = ""; first = 0; next }
	title == "" { next }
	/^(Reported by|=====)/ { flush(); next }
	/ (to|from) 0x[0-9a-f]+ of [0-9]+ bytes by / { first = 1; next }
	/^ [A-Za-z_][A-Za-z0-9_.]*\+0x/ {
		fn = $1; sub(/\+0x.*/, "", fn)
		if (fn ~ any || (first && fn ~ top)) { if (index(hit, " " fn) == 0) hit = hit " " fn }
		first = 0; next
	}
	END { flush() }' > "$1.kcsan"
}

counter() { # log phase name -> value (empty if absent)
	grep "KTEST: COUNTERS phase=$2 " "$1" | head -1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}

judge() { # cfg scheme log build_ok -> appends ROWS, sets FAILED
	local cfg=$1 scheme=$2 log=$3 label=$cfg
	local boot=no result=no reports="" verdict=PASS why="" counters="-" p n
	[ -n "$MUTANT" ] && label="$cfg+$MUTANT"
	grep -q 'KTEST: start' "$log" 2>/dev/null && boot=yes
	grep -qE 'KTEST: RESULT .* OK$' "$log" 2>/dev/null && result=yes
	for p in 'BUG:' 'WARNING:' 'KASAN' 'Oops' 'Kernel panic' 'general protection fault'; do
		# KCSAN's "BUG: KCSAN:" reports are judged apart (below)
		n=$(grep -v 'BUG: KCSAN:' "$log" 2>/dev/null | grep -c -- "$p")
		[ "${n:-0}" -gt 0 ] && reports="$reports${reports:+,}$p$n"
	done
	local kcsan="" kc kch
	if grep -q 'BUG: KCSAN:' "$log" 2>/dev/null; then
		kcsan_classify "$log"
		kc=$(grep -c . "$log.kcsan"); kch=$(grep -c '^changed' "$log.kcsan")
		kcsan=" kcsan:$kc/changed:$kch"
	fi
	# A guest CPU that faults while delivering a double fault (e.g. with a
	# freed page directory in CR3) resets the machine without a word on
	# the console; with -no-reboot QEMU then exits.  Only QEMU's own log
	# (-d cpu_reset) says so.
	if grep -q '^Triple fault' "$log.qemu-d" 2>/dev/null; then
		reports="$reports${reports:+,}triple-fault"
	fi
	if [ "$result" = yes ]; then
		local sa1 sa2 free2 ipi2 free1 ipi1 ctxt1 ctxt2 sch kt kused kfinal
		sch=$(counter "$log" evict scheme)
		ctxt1=$(counter "$log" evict ctxt); ctxt2=$(counter "$log" noevict ctxt)
		free1=$(counter "$log" evict mm_free); free2=$(counter "$log" noevict mm_free)
		if [ "$KVER" = 6.1 ]; then
			sa1=$(counter "$log" evict switch_atomics); sa2=$(counter "$log" noevict switch_atomics)
			ipi1=$(counter "$log" evict shootdown_ipis); ipi2=$(counter "$log" noevict shootdown_ipis)
		else	# kernel/test/0001's debugfs names
			sa1=$(( $(counter "$log" evict switch_grab) + $(counter "$log" evict switch_drop) ))
			sa2=$(( $(counter "$log" noevict switch_grab) + $(counter "$log" noevict switch_drop) ))
			ipi1=$(counter "$log" evict shootdown_ipi); ipi2=$(counter "$log" noevict shootdown_ipi)
		fi
		counters="sw_atomics=$((sa1 + sa2))/ctxt=$((ctxt1 + ctxt2)) ipi/free=$ipi1/$free1,noevict:$ipi2/$free2"
		[ "$sch" = "$scheme" ] || { verdict=FAIL; why="guest reports scheme '$sch'"; }
		if [ "$scheme" != refcount ] && [ $((sa1 + sa2)) -ne 0 ]; then
			verdict=FAIL; why="lazy atomics on the switch path with $scheme"
		fi
		if [ "$scheme" = refcount ] && [ $((sa1 + sa2)) -eq 0 ]; then
			verdict=FAIL; why="no lazy atomics counted with refcount"
		fi
		if [ "$KVER" != 6.1 ]; then
			# kernel/test/0002: the module must have used live mms
			# from kernel threads, and freed some of them there.
			kt=$(grep -m1 'KTEST: KTHREAD ' "$log")
			kused=$(tr ' ' '\n' <<<"$kt" | sed -n 's/^used=//p')
			kfinal=$(tr ' ' '\n' <<<"$kt" | sed -n 's/^final_mmdrop=//p')
			counters="$counters kt:${kused:-?}/${kfinal:-?}"
			if [ "${kused:-0}" -eq 0 ] || [ "${kfinal:-0}" -eq 0 ]; then
				verdict=FAIL; why="${why:+$why; }kthread_use_mm test: used=${kused:-none} final_mmdrop=${kfinal:-none}"
			fi
			# The membarrier selftests: each must have run its whole
			# plan with every result "ok" (no "not ok", no SKIP) and
			# exited 0.
			local t st plan mb=ok
			for t in $SELFTESTS; do
				st=$(grep -m1 "KTEST: SELFTEST name=$t " "$log")
				plan=$(kv "$st" plan)
				if [ -z "$st" ]; then
					mb=FAIL; why="${why:+$why; }selftest $t did not run"
				elif [ "$(kv "$st" exit)" != 0 ] || [ "$(kv "$st" notok)" != 0 ] ||
				     [ "$(kv "$st" skip)" != 0 ] || [ "${plan:-0}" -lt 1 ] ||
				     [ "$(kv "$st" ok)" != "$plan" ]; then
					mb=FAIL; why="${why:+$why; }selftest $t: ${st#*name=$t }"
				fi
			done
			[ -n "$SELFTESTS" ] && counters="$counters mb:$mb"
			[ "$mb" = ok ] || verdict=FAIL
			# noevict leaves lazy CPUs for the shootdown: it must send IPIs.
			if [ "$cfg" = base ] && [ "$scheme" != refcount ] && [ "${ipi2:-0}" -lt "$KMIN_IPIS" ]; then
				verdict=FAIL; why="${why:+$why; }noevict: ${ipi2:-0} shootdown IPIs < KMIN_IPIS=$KMIN_IPIS"
			fi
		fi
	else
		verdict=FAIL; why="no result line"
	fi
	counters="$counters$kcsan"
	# The kcsan configurations are worth something only if the detector
	# ran: its boot self-test passed, and it set up watchpoints during
	# the run (its debugfs counters, printed by the guest).
	if [[ $cfg == kcsan* ]]; then
		local kst watch
		kst=$(grep -m1 'KTEST: KCSAN ' "$log")
		watch=$(kv "$kst" setup_watchpoints)
		counters="$counters watch:${watch:-?}/races:$(kv "$kst" data_races)"
		if ! grep -Eq 'kcsan: selftest: ([0-9]+)/\1 tests passed' "$log"; then
			verdict=FAIL; why="${why:+$why; }KCSAN self-test did not pass (detector not active?)"
		fi
		if [ "${watch:-0}" -eq 0 ]; then
			verdict=FAIL; why="${why:+$why; }KCSAN set up no watchpoint (no KTEST: KCSAN counters?)"
		fi
	fi
	if [ "${kch:-0}" -gt 0 ]; then
		verdict=FAIL; why="${why:+$why; }KCSAN reports in changed paths (see $log.kcsan)"
	fi
	[ -n "$reports" ] && { verdict=FAIL; why="${why:+$why; }kernel reports"; }
	[ "$verdict" = FAIL ] && FAILED=1
	ROWS+=("$(printf '%-26s %-9s %-5s %-6s %-28s %-58s %s' "$label" "$scheme" "$boot" "$result" \
		"${reports:-none}" "$counters" "$verdict${why:+ ($why)}")")
}

# One object directory per configuration.  The scheme is switched by
# reconfiguring: Kbuild tracks configuration symbols per file, and the scheme
# options are only used by the few files that include <linux/sched/lazy_tlb.h>,
# so the second scheme (and a mutant) is an incremental rebuild.  (Copying an
# object directory elsewhere does not work: objtool's absolute path is part of
# every object's command line, so everything would be rebuilt.)
for cfg in $KCONFIGS; do
	obj=$BUILD/obj-$cfg
	mkdir -p "$obj"
	for scheme in $KSCHEMES; do
		name=$cfg-$scheme${MUTANT:+-$MUTANT}
		log=$LOGS/$name.log
		say "=== $name"
		if ! timed "configure $name" configure "$obj" "$cfg" "$scheme"; then
			ROWS+=("$(printf '%-26s %-9s %s' "$cfg" "$scheme" "CONFIG FAILED")"); HARNESS_FAILED=1; continue
		fi
		if ! timed "build $name" build_kernel "$obj" "$cfg"; then
			ROWS+=("$(printf '%-26s %-9s %s' "$cfg" "$scheme" "BUILD FAILED (see $obj/build.log)")"); HARNESS_FAILED=1; continue
		fi
		case $cfg in
		base) secs=$KSECS; tmo=$((secs * 6 + 120));;
		*) secs=$((KSECS * 2)); tmo=$((secs * 10 + 240));;	# KASAN+lockdep (KCSAN): ~20x slower
		esac
		timed "boot $name" boot "$obj" "$log" "$tmo" "$secs" "$cfg" || { HARNESS_FAILED=1; continue; }
		grep -E 'KTEST' "$log" | sed 's/^/  guest: /'
		grep -E "$REPORT_RE" "$log" | head -8 | sed 's/^/  report: /'
		grep -s '^Triple fault' "$log.qemu-d" | sed 's/^/  report: QEMU: /'
		judge "$cfg" "$scheme" "$log"
		[ -s "$log.kcsan" ] && sed 's/^/  kcsan: /' "$log.kcsan"
		say "serial log: $log"
	done
done

# ---------------------------------------------------------------- summary
{
	echo
	echo "kernel-check summary${MUTANT:+ (mutant $MUTANT: expected to FAIL)}  [$(( $(now) - T_START ))s, -smp $KSMP, guest test ${KSECS}s base / $((KSECS * 2))s debug]"
	printf '%-26s %-9s %-5s %-6s %-28s %-58s %s\n' configuration scheme boot result reports \
		"counters (switch-path lazy atomics/ctxt; shootdown IPIs/mm frees)" verdict
	for r in "${ROWS[@]}"; do echo "$r"; done
} | tee "$SUMMARY"
say "time: total $(( $(now) - T_START ))s"
[ $HARNESS_FAILED -ne 0 ] && exit 2
[ $FAILED -ne 0 ] && exit 1
exit 0
