#!/bin/sh
# expect-status.sh WANT CMD...: run CMD, pass if it exits with status WANT.
# Used where a test must FAIL in a specific way (the unsafe `none` scheme
# must report violations: exit 1, not a crash, not a usage error).
want=$1; shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
	echo "expect-status: '$*' exited $got, expected $want" >&2
	exit 1
fi
exit 0
