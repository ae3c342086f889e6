#!/bin/sh
# Smoke test of hazptr-bench: a --quick --csv run must print exactly the
# header "impl,threads,workload,ns_per_op" and one well-formed row per
# (impl, threads, workload), bare having no retire or cohort row, hold and
# cohort rows only for bare (hold) and the two libhazptr domains; bad
# options must exit 2 with a message.
set -u
bench=${1:?usage: bench-smoke.sh path/to/hazptr-bench}
out=$(mktemp "${TMPDIR:-/tmp}/hazptr-bench.XXXXXX") || exit 1
trap 'rm -f "$out" "$out.err"' EXIT

"$bench" --quick --csv >"$out" 2>"$out.err" || { echo "--quick --csv failed"; cat "$out.err"; exit 1; }
cat "$out"
awk -F, '
NR == 1 { if ($0 != "impl,threads,workload,ns_per_op") { print "bad header: " $0; bad = 1 } next }
{
	if (NF != 4) { print "bad row: " $0; bad = 1; next }
	if ($1 !~ /^(bare|hazptr-membarrier|hazptr-fence|refcount|ck_hp|urcu-memb|urcu-qsbr)$/) { print "bad impl: " $0; bad = 1 }
	if ($2 !~ /^[1-9][0-9]*$/) { print "bad threads: " $0; bad = 1 }
	if ($3 !~ /^(protect|list10|retire|hold|cohort)$/) { print "bad workload: " $0; bad = 1 }
	if ($4 !~ /^[0-9]+\.[0-9]+$/ || $4 + 0 <= 0) { print "bad ns_per_op: " $0; bad = 1 }
	key = $1 "," $2 "," $3
	if (seen[key]++) { print "duplicate row: " $0; bad = 1 }
	if ($1 == "bare" && ($3 == "retire" || $3 == "cohort")) { print "bare has no " $3 " row: " $0; bad = 1 }
	if (($3 == "hold" || $3 == "cohort") && $1 !~ /^(bare|hazptr-membarrier|hazptr-fence)$/) { print "hold/cohort row of another library: " $0; bad = 1 }
	rows++
}
END {
	# per thread count: 7 protect + 7 list10 + 6 retire + 3 hold + 2 cohort
	if (rows != 2 * (7 + 7 + 6 + 3 + 2)) { print "expected 50 rows, got " rows; bad = 1 }
	exit bad
}' "$out" || exit 1

for args in "--bogus" "--threads 0" "--threads" "--impls nope" "--seconds -1"; do
	# shellcheck disable=SC2086
	"$bench" $args >/dev/null 2>"$out.err"
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -q "^hazptr-bench: " "$out.err" || ! grep -q "^usage:" "$out.err"; then
		echo "'$args': wanted exit 2 with a message and the usage, got $rc:"
		cat "$out.err"
		exit 1
	fi
done
"$bench" --help | grep -q "^usage: hazptr-bench" || { echo "--help"; exit 1; }
echo "hazptr-bench smoke: CSV shape and option errors OK"
