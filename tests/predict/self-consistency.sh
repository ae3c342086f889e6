#!/bin/sh
# Self-consistency of lazymm predict with lazymm bench on this machine (docs/predict.md).
#
# lazymm bench runs the model on this machine's 2 CPUs (short samples); lazymm predict runs
# the simulator on the same machine's description (predict/machines/dev2.conf) with the
# bench's placement.  What must agree is what the model's paths determine and the host's
# load cannot move: shared-line RMWs, fences and CR3 writes per switch, for every scheme,
# idle_cycle (1 and 2 tasks) and context_switch1 (1 pair), threads and processes, within
# 0.05 each; and switches per operation for idle_cycle (each cycle blocks and is woken on its
# own CPU: two switches by construction).  context_switch1's switches per operation are
# printed, not asserted: whether a pipe write finds its reader already blocked (a wake-up and
# a switch) or still running (neither) depends on timing, in the model as in the kernel; at
# load 35 the bench measured 3.917 and 4.200 where the simulator's 1-pair value is 4.001.  The throughput ratios are printed side by side but not
# asserted: on this shared 2-core VM a bench ratio moves by 5-10 % from sample to sample
# with the host's load (docs/bench.md), so a 3-point bound on it would be a timing test.
: "${B:=build}"
bench=$(mktemp) && pred=$(mktemp) || exit 2
trap 'rm -f "$bench" "$pred" "$bench.2" "$pred.2"' EXIT

"$B"/lazymm bench --quick --workload idle_cycle --mode threads,processes --tasks 1,2 --cpus 2 --csv > "$bench" || exit 1
"$B"/lazymm bench --quick --workload context_switch1 --mode threads,processes --tasks 1 --cpus 2 --csv > "$bench.2" || exit 1
tail -n +2 "$bench.2" >> "$bench"
"$B"/lazymm predict --machine dev2 --placement bench --workload idle_cycle --tasks 1,2 --no-band --quick --csv > "$pred" || exit 1
"$B"/lazymm predict --machine dev2 --placement bench --workload context_switch1 --tasks 1 --no-band --quick --csv > "$pred.2" || exit 1
tail -n +2 "$pred.2" >> "$pred"

awk -F, '
FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
{
	key = $1 "," $2 "," $3 "," $4
	f = FILENAME
	v["sw", f, key] = $col[f, "switches_per_op"]
	v["rmw", f, key] = $col[f, (f == B) ? "shared_rmw_per_switch" : "shared_rmw_per_switch"]
	v["mb", f, key] = $col[f, "fences_per_switch"]
	v["cr3", f, key] = $col[f, "cr3_writes_per_switch"]
	v["ratio", f, key] = $col[f, "speedup_vs_refcount"]
	keys[key] = 1
}
END {
	bad = 0; n = 0
	printf "%-36s %-6s %8s %8s\n", "workload,mode,tasks,scheme", "what", "bench", "predict"
	for (k in keys) {
		if (!((("sw", B, k) in v) && (("sw", P, k) in v))) { print "missing row " k; bad++; continue }
		n++
		split("sw rmw mb cr3", what, " ")
		for (w = 1; w <= 4; w++) {
			a = v[what[w], B, k]; b = v[what[w], P, k]
			d = a - b; if (d < 0) d = -d
			timing = (w == 1 && k ~ /^context_switch1,/)
			flag = d > 0.05 ? (timing ? "  (timing-dependent: not asserted)" : "  <-- DIFFERS") : ""
			if (d > 0.05 && !timing) bad++
			printf "%-36s %-6s %8.3f %8.3f%s\n", k, what[w], a, b, flag
		}
		printf "%-36s %-6s %8s %8s   (speedup over refcount: printed, not asserted)\n", k, "ratio", v["ratio", B, k], v["ratio", P, k]
	}
	if (n < 20) { print "expected 20 rows in both, compared " n; bad++ }
	exit bad ? 1 : 0
}' B="$bench" P="$pred" "$bench" "$pred"
