#!/bin/sh
# lazymm test runner: runs every test named in the list files given as
# arguments and ends with the line "N passed, M failed".
#
# A list file holds one test per line:   name: shell command
# Blank lines and lines starting with '#' are ignored.  In the command, $B is
# the build folder and $SAN the sanitizer ("" for a plain build), so a test
# can shorten itself under a slow sanitizer (it must still test something).
# Each test runs under a time limit (TEST_TIMEOUT seconds, default 300) so
# that nothing can hang the suite; a test that times out has failed.
# A test passes when its command exits 0.  Set VERBOSE=1 to see all output;
# otherwise only a failing test's last 40 lines are shown.

: "${B:?B (the build folder) must be set}"
SAN=${SAN:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
export B SAN

passed=0
failed=0
failures=""
log=$(mktemp "${TMPDIR:-/tmp}/lazymm-test.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT

for list in "$@"; do
	[ -f "$list" ] || { echo "run.sh: no test list '$list'" >&2; exit 2; }
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in ''|'#'*) continue ;; esac
		name=${line%%:*}
		cmd=${line#*:}
		start=$(date +%s)
		if timeout -k 5 "$TEST_TIMEOUT" sh -c "$cmd" >"$log" 2>&1 </dev/null; then
			rc=0
		else
			rc=$?
		fi
		secs=$(( $(date +%s) - start ))
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			printf 'PASS  %-44s %4ss\n' "$name" "$secs"
			[ -n "${VERBOSE:-}" ] && sed 's/^/      /' "$log"
		else
			failed=$((failed + 1))
			failures="$failures $name"
			if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
				why="timed out after ${TEST_TIMEOUT}s"
			else
				why="exit status $rc"
			fi
			printf 'FAIL  %-44s %4ss  (%s)\n' "$name" "$secs" "$why"
			tail -n 40 "$log" | sed 's/^/      | /'
		fi
	done < "$list"
done

[ "$failed" -gt 0 ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
