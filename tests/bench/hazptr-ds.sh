#!/bin/sh
# hazptr-ds.sh BENCH MODE [ARGS] - hazptr-bench's data-structure workloads.
#
#   check IMPL WORKLOADS   a short fixed-operation run (--ops) of WORKLOADS
#                          under IMPL at 2 threads.  hazptr-bench checks
#                          every sample itself (each bucket sorted, no
#                          marked node left, the number and sum of the keys
#                          equal to the prefill's plus the logged inserts
#                          minus the logged removes, nothing retired left
#                          unfreed after the drain) and exits 1 on a
#                          mismatch; here: exit 0, one CSV row per workload,
#                          objects retired by every 50/50 run.
#   stall                  hash50-stall at 2 threads with a stalled reader:
#                          libhazptr's unreclaimed count stays under a bound
#                          that does not grow with the run (HP_BOUND) while
#                          the run retires many times that, refcount holds
#                          no more than the nodes the threads count
#                          (RC_BOUND), and the epoch and RCU schemes hold
#                          every object they retired.
#   race IMPL              hunt races in a tight loop: 2 threads on a list of
#                          4 keys and a hash map of 8 (prefill half), 50/50,
#                          many operations, ROUNDS times, so that every
#                          operation contends with the other thread's
#                          unlinks and frees; any check failure, or a run
#                          that does not end within RACE_TIMEOUT seconds (a
#                          traversal caught in a cycle), fails.
#   bad                    bad input to the new options exits 2.
set -u
bench=${1:?usage: hazptr-ds.sh BENCH check IMPL WORKLOADS | stall | race IMPL | bad}
mode=${2:?mode}
out=$(mktemp "${TMPDIR:-/tmp}/hazptr-ds.XXXXXX") || exit 1
trap 'rm -f "$out" "$out.err"' EXIT

case $mode in
check)
	impl=${3:?impl} works=${4:?workloads}
	# Sanitizers make each operation 5-50x slower: fewer operations.
	n=20000; [ -n "${SAN:-}" ] && n=4000
	"$bench" --impls "$impl" --workloads "$works" --threads 2 --samples 1 \
		--ops "$n" --csv >"$out" 2>"$out.err"
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat "$out.err"; exit 1; }
	want=$(echo "$works" | tr ',' '\n' | wc -l)
	awk -F, -v impl="$impl" -v want="$want" '
	NR == 1 { next }
	{
		rows++
		if ($1 != impl || NF != 8) { print "bad row: " $0; bad = 1 }
		if ($5 + 0 <= 0) { print "no throughput: " $0; bad = 1 }
		if ($3 ~ /50/ && $6 + 0 <= 0) { print "nothing retired: " $0; bad = 1 }
		if ($8 + 0 > $6 + 0 || $7 + 0 < $8 + 0) { print "counts inconsistent: " $0; bad = 1 }
	}
	END { if (rows != want) { print "expected " want " rows, got " rows; bad = 1 } exit bad }' "$out"
	;;
stall)
	# Per thread, libhazptr holds at most its scan threshold (about
	# 1,000 + 2 x live slots) plus what the slots protect; 8,000 for two
	# threads is far above that and far below what the run retires.
	HP_BOUND=8000
	# refcount frees a node at its last put: retired and not yet freed are
	# only nodes some thread still counts (3 slots x 3 threads) or is
	# putting right now (one per thread).
	RC_BOUND=12
	# Under a sanitizer liburcu's call_rcu thread drains 50,000 callbacks
	# in about 40 s: ck_epoch alone stands for the grace-period schemes.
	impls=hazptr-membarrier,hazptr-fence,refcount,urcu-memb,urcu-qsbr,ck_epoch; ne=3
	[ -n "${SAN:-}" ] && impls=hazptr-membarrier,hazptr-fence,refcount,ck_epoch ne=1
	"$bench" --impls "$impls" \
		--workloads hash50-stall --threads 2 --samples 1 --ops 100000 \
		--csv >"$out" 2>"$out.err"
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat "$out.err"; exit 1; }
	awk -F, -v bound="$HP_BOUND" -v rcb="$RC_BOUND" -v ne="$ne" '
	NR == 1 { next }
	$1 ~ /^hazptr/ {
		n++
		if ($6 + 0 < 4 * bound) { print "too few retired to show a bound: " $0; bad = 1 }
		if ($7 + 0 > bound) { print "hazptr unreclaimed above " bound ": " $0; bad = 1 }
	}
	$1 == "refcount" {
		r++
		if ($6 + 0 < 4 * bound) { print "too few retired to show a bound: " $0; bad = 1 }
		if ($7 + 0 > rcb) { print "refcount unreclaimed above " rcb ": " $0; bad = 1 }
	}
	$1 ~ /^(urcu|ck_epoch)/ {
		m++
		if ($8 + 0 != $6 + 0) { print "a stalled reader should hold every retired object: " $0; bad = 1 }
	}
	END { if (n != 2 || r != 1 || m != ne) { print "missing rows"; bad = 1 } exit bad }' "$out"
	;;
race)
	impl=${3:?impl}
	n=1000000 rounds=5
	[ "$impl" = refcount ] && rounds=10
	[ -n "${SAN:-}" ] && n=100000
	# liburcu's call_rcu thread under a sanitizer: ~1,200 callbacks/s.
	case $impl in urcu-*) [ -n "${SAN:-}" ] && n=5000 rounds=2 ;; esac
	lim=${RACE_TIMEOUT:-300}
	i=0
	while [ "$i" -lt "$rounds" ]; do
		i=$((i + 1))
		timeout "$lim" "$bench" --impls "$impl" --workloads hmlist50,hash50 \
			--list-range 4 --hash-range 8 --threads 2 --samples 1 \
			--ops "$n" --csv >"$out" 2>"$out.err"
		rc=$?
		if [ "$rc" -eq 124 ]; then
			echo "round $i: no end within $lim s (a traversal in a cycle?)"
			exit 1
		fi
		[ "$rc" -eq 0 ] || { echo "round $i: exit status $rc"; cat "$out.err"; exit 1; }
	done
	echo "$impl: $rounds rounds of $n operations per thread, checked"
	;;
bad)
	for args in "--ops 0" "--ops many" "--hash-range 1" "--list-range x" \
		    "--workloads hash50,nope" "--workloads hash50," "--impls ck_epoch,"; do
		# shellcheck disable=SC2086
		"$bench" $args >/dev/null 2>"$out.err"
		rc=$?
		if [ "$rc" -ne 2 ] || ! grep -q "^hazptr-bench: " "$out.err"; then
			echo "'$args': wanted exit 2 with a message, got $rc:"
			cat "$out.err"
			exit 1
		fi
	done
	echo "bad input: exit 2 with a message"
	;;
*)
	echo "hazptr-ds.sh: unknown mode '$mode' (check, stall, race, bad)" >&2
	exit 2
	;;
esac
