#!/bin/sh
# check-csv.sh FILE ROWS - checks a `lazymm bench --csv` file: the header
# starts with the eight required columns, there are ROWS data rows, every
# row has as many fields as the header, and every row that has a result has
# a positive ops_per_sec and fraction_of_none/speedup in a sane range.
f=$1 rows=$2
want='workload,mode,tasks,scheme,ops_per_sec,speedup_vs_refcount,fraction_of_none,oversubscribed'
head -n 1 "$f" | grep -q "^$want\(,\|\$\)" || { echo "bad header: $(head -n 1 "$f")"; exit 1; }
n=$(($(wc -l < "$f") - 1))
[ "$n" -eq "$rows" ] || { echo "expected $rows data rows, got $n"; exit 1; }
awk -F, 'NR == 1 { nf = NF; next }
	NF != nf { printf "row %d: %d fields, header has %d\n", NR, NF, nf; bad = 1 }
	$8 != "yes" && $8 != "no" { printf "row %d: oversubscribed is \"%s\"\n", NR, $8; bad = 1 }
	$5 != "" && $5 + 0 <= 0 { printf "row %d: ops_per_sec %s\n", NR, $5; bad = 1 }
	$4 == "refcount" && $6 != "" && ($6 < 0.9999 || $6 > 1.0001) { printf "row %d: refcount speedup %s\n", NR, $6; bad = 1 }
	$4 == "none" && $7 != "" && ($7 < 0.9999 || $7 > 1.0001) { printf "row %d: none fraction %s\n", NR, $7; bad = 1 }
	END { exit bad }' "$f" || exit 1
echo "ok: $n rows"
