#!/bin/sh
# verify/run.sh - run the SPIN models of the lazy-mm schemes and check each
# outcome against verify/models.list (see docs/verification.md).
#
#   sh verify/run.sh [-j JOBS] [NAME-PATTERN...]
#
# For each run: spin -a generates pan.c under $B/verify/runs/<name>/, cc
# builds it, pan searches exhaustively (-DSAFETY, no state compression, no
# bitstate hashing).  A correct model passes when pan reports no error and
# the search completed (no memory bound hit, no depth truncation).  A broken
# twin passes when pan finds a counterexample (breadth-first, so the
# shortest) that violates the expected property; its trail is kept in
# $B/verify/trails/ as <name>.trail (replayable with spin -t) and
# <name>.txt (the replay, readable).  A probe passes when the state it
# names is reachable (a vacuity check of the correct models).  An acyclic
# run passes when pan -l (compiled -DNP, no progress labels) finds no cycle
# at all: every execution is finite, so the checks made at the end of every
# execution (LEAK, valid end states) cover "eventually".
#
# Prints a table (run, expected, states, depth, time, verdict) and exits 0
# only when every run behaved as expected; 1 otherwise; 2 on a usage or
# setup error.
#
# Environment: B (build folder, default build), SPIN (default spin),
# PAN_CC (default cc), VERIFY_JOBS (parallel runs, default 2),
# VERIFY_MEMLIM (MB per pan, default 2048), VERIFY_DEPTH (pan -m, default
# 100000), VERIFY_LIST (default verify/models.list).

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
SPIN=${SPIN:-spin}
PAN_CC=${PAN_CC:-cc}
MEMLIM=${VERIFY_MEMLIM:-2048}
DEPTH=${VERIFY_DEPTH:-100000}
LIST=${VERIFY_LIST:-$ROOT/verify/models.list}
OUT=$B/verify

# ---------------------------------------------------------------- one run --
# run_one NAME MODEL EXPECT [OPTIONS...]: writes $OUT/runs/<dir>/result as
#   name|expect|ok|states|depth|seconds|verdict
run_one() {
	name=$1 model=$2 expect=$3
	shift 3
	# a probe's expression comes as one argument PROBE=expr; the rest are -D
	probe=
	n=$#
	while [ "$n" -gt 0 ]; do
		case $1 in
		PROBE=*) probe=${1#PROBE=} ;;
		*) set -- "$@" "$1" ;;
		esac
		shift
		n=$((n - 1))
	done
	id=$(printf '%s' "$name" | tr '/' '_')
	dir=$OUT/runs/$id
	src=$ROOT/verify/spin/$model.pml
	rm -rf "$dir"
	mkdir -p "$dir" "$OUT/trails" || return 1
	cd "$dir" || return 1
	rm -f "$OUT/trails/$id.trail" "$OUT/trails/$id.txt"

	result() {   # ok verdict
		printf '%s|%s|%s|%s|%s|%s|%s\n' "$name" "$expect" "$1" \
			"${states:--}" "${depth:--}" "${secs:--}" "$2" > "$dir/result"
	}
	states= depth= secs=

	if [ ! -f "$src" ]; then
		result 0 "UNEXPECTED: no model $src"
		return 0
	fi
	if [ "$expect" = reach ]; then
		if [ -z "$probe" ]; then
			result 0 "UNEXPECTED: a reach run needs \"PROBE=expr\""
			return 0
		fi
		printf '#define PROBE (%s)\n#include "%s"\n' "$probe" "$src" > probe.pml
		src=$dir/probe.pml
	fi
	if ! "$SPIN" -a "$@" "$src" > spin.log 2>&1; then
		result 0 "UNEXPECTED: spin -a failed (see $dir/spin.log)"
		return 0
	fi
	case $expect in
	pass|reach) mode=-DSAFETY run= ;;
	acyclic)    mode=-DNP run=-l ;;     # any cycle is a non-progress cycle
	*)          mode="-DSAFETY -DBFS" run= ;;
	esac
	# -O0: pan.c is large and -O2 takes minutes to compile for seconds saved.
	if ! $PAN_CC -O0 -w $mode -DMEMLIM="$MEMLIM" -o pan pan.c > cc.log 2>&1; then
		result 0 "UNEXPECTED: cannot build pan (see $dir/cc.log)"
		return 0
	fi
	./pan $run -m$DEPTH > pan.out 2>&1

	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | head -n 1)
	states=$(awk '/states, stored/ { print $1; exit }' pan.out)
	depth=$(sed -n 's/.*depth reached \([0-9][0-9]*\).*/\1/p' pan.out | head -n 1)
	secs=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' pan.out | head -n 1)

	if [ -z "$errors" ]; then
		result 0 "UNEXPECTED: pan did not finish (see $dir/pan.out)"
		return 0
	fi
	incomplete=$(grep -E -m 1 'reached -DMEMLIM bound|depth too small|out of memory|Search not completed' pan.out)

	# which property the first counterexample violates
	what=
	if grep -q '^pan:[0-9]*: non-progress cycle' pan.out; then what=cycle
	elif grep -q '^pan:[0-9]*: invalid end state' pan.out; then what=deadlock
	elif grep -q '^pan:[0-9]*: assertion violated' pan.out; then
		a=$(grep -m 1 '^pan:[0-9]*: assertion violated' pan.out)
		case $a in
		*I1_cr3_root_not_freed*)        what=I1 ;;
		*I2_no_walk_of_freed_tables*)   what=I2 ;;
		*I3_mm_struct_not_freed*)       what=I3 ;;
		*I4_tlb_gen_current_in_user*)   what=I4 ;;
		*LEAK_mm_freed_at_end*)         what=LEAK ;;
		*)                              what=assert ;;
		esac
	elif [ "$errors" != 0 ]; then what=error
	fi

	if [ "$expect" = reach ]; then
		if grep -q 'PROBE_reached' pan.out; then
			result 1 "reachable: the probed state occurs"
		elif [ "$errors" != 0 ]; then
			result 0 "UNEXPECTED: $what violated before the probe (see $dir/pan.out)"
		else
			result 0 "UNEXPECTED: probe never holds: $probe"
		fi
		return 0
	fi

	if [ "$expect" = pass ] || [ "$expect" = acyclic ]; then
		if [ "$errors" != 0 ]; then
			result 0 "UNEXPECTED: $what violated (see $dir/pan.out)"
		elif [ -n "$incomplete" ]; then
			result 0 "UNEXPECTED: search incomplete: $incomplete"
		elif [ "$expect" = acyclic ]; then
			result 1 "pass: no cycle, every execution ends"
		else
			result 1 "pass: no error, fully explored"
		fi
		return 0
	fi

	# a twin: keep and replay its trail
	trail=$(ls ./*.trail 2>/dev/null | head -n 1)
	if [ "$errors" = 0 ]; then
		if [ -n "$incomplete" ]; then
			result 0 "UNEXPECTED: not refuted, search incomplete: $incomplete"
		else
			result 0 "UNEXPECTED: not refuted (no error in the full state space)"
		fi
		return 0
	fi
	if [ -n "$trail" ]; then
		cp "$trail" "$OUT/trails/$id.trail"
		{
			printf 'run:      %s (verify/models.list)\n' "$name"
			printf 'replay:   cd %s && %s -t -k %s %s %s\n' "$dir" "$SPIN" \
				"$(basename "$trail")" "$*" "$src"
			printf 'violated: %s\n\n' "$(grep -m 1 -E '^pan:[0-9]*: (assertion violated|invalid end state)' pan.out)"
			"$SPIN" -t -k "$trail" "$@" "$src" 2>&1 | sed -e '/^[[:space:]]*$/d'
		} > "$OUT/trails/$id.txt"
	fi
	case ",$expect," in
	*",$what,"*) result 1 "refuted: $what violated" ;;
	*)           result 0 "UNEXPECTED: refuted by $what, expected $expect" ;;
	esac
	return 0
}

if [ "${1:-}" = --one ]; then
	shift
	run_one "$@"
	exit 0
fi

# ----------------------------------------------------------------- driver --
JOBS=${VERIFY_JOBS:-2}
while [ $# -gt 0 ]; do
	case $1 in
	-j) JOBS=${2:?-j needs a number}; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "verify: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

if ! command -v "$SPIN" > /dev/null 2>&1; then
	echo "verify: '$SPIN' not found: install SPIN (Debian: apt-get install spin)" >&2
	exit 2
fi
[ -f "$LIST" ] || { echo "verify: no $LIST" >&2; exit 2; }

# the selected runs, in list order
sel=$OUT/selected
mkdir -p "$OUT" || exit 2
: > "$sel"
while read -r name model expect opts; do
	case $name in ''|'#'*) continue ;; esac
	if [ $# -gt 0 ]; then
		hit=0
		for pat in "$@"; do
			case $name in $pat) hit=1 ;; esac
		done
		[ $hit = 1 ] || continue
	fi
	# no trailing blank: xargs -L would join the next line to this one
	printf '%s %s %s%s\n' "$name" "$model" "$expect" "${opts:+ $opts}" >> "$sel"
done < "$LIST"
[ -s "$sel" ] || { echo "verify: no run matches: $*" >&2; exit 2; }

t0=$(date +%s)
echo "verify: $(wc -l < "$sel") SPIN runs, $JOBS at a time, in $OUT"
# the exhaustive (long) runs first, so that the short ones fill the gaps
{ awk '$3 == "pass"' "$sel"; awk '$3 != "pass"' "$sel"; } |
	xargs -P "$JOBS" -L 1 sh "$ROOT/verify/run.sh" --one
t1=$(date +%s)

printf '\n%-36s %-6s %10s %6s %8s  %s\n' run expect states depth time verdict
bad=0 n=0
while read -r name model expect opts; do
	n=$((n + 1))
	r=$OUT/runs/$(printf '%s' "$name" | tr '/' '_')/result
	if [ ! -f "$r" ]; then
		printf '%-36s %-6s %10s %6s %8s  %s\n' "$name" "$expect" - - - "UNEXPECTED: no result"
		bad=$((bad + 1))
		continue
	fi
	IFS='|' read -r rname rexp ok states depth secs verdict < "$r"
	[ "$ok" = 1 ] || bad=$((bad + 1))
	[ "$secs" = - ] || secs=${secs}s
	printf '%-36s %-6s %10s %6s %8s  %s\n' "$rname" "$rexp" "$states" "$depth" "$secs" "$verdict"
done < "$sel"

echo
echo "verify: trails of the refuted twins: $OUT/trails/ (<run>.txt to read, <run>.trail to replay)"
echo "verify: $n runs, $((n - bad)) as expected, $bad unexpected, $((t1 - t0)) s"
[ "$bad" -eq 0 ]
