#!/bin/sh
# Every bad option or value must give a clear message, the usage, and exit
# status 2: never a crash, a hang or a silent default.
L="$B/lazymm"
fail=0
check() {
	want_msg=$1; shift
	out=$("$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "FAIL: '$*' exited $rc (want 2)"; fail=1; return
	fi
	case "$out" in
	*"$want_msg"*) ;;
	*) echo "FAIL: '$*' said: $out (want '$want_msg')"; fail=1; return ;;
	esac
	case "$out" in
	*usage:*) ;;
	*) echo "FAIL: '$*' printed no usage"; fail=1 ;;
	esac
}
check "a command is required" "$L"
check "unknown command 'frobnicate'" "$L" frobnicate
check "unknown scheme 'rcu'" "$L" torture --scheme rcu
check "--cpus: 'two' is not a number" "$L" torture --cpus two
check "--cpus: 0 is out of range" "$L" torture --cpus 0
check "--cpus: 65 is out of range" "$L" torture --cpus 65
check "--cpus: '-1' is not a number" "$L" torture --cpus -1
check "--seconds: 'x' is not a number" "$L" torture --seconds x
check "--seconds: 0 is out of range" "$L" torture --seconds 0
check "--hotplug needs --cpus 2 or more" "$L" torture --hotplug --cpus 1
check "--seed: '1.5' is not a number" "$L" torture --seed 1.5
check "--cpus: a value is required" "$L" torture --cpus
check "unknown option '--bogus'" "$L" torture --bogus
check "has no mutant 'nope'" "$L" torture --scheme hazptr --mutant nope
check "--flush: 'tlbie' is not accepted" "$L" torture --flush tlbie
check "--ipi: 'nmi' is not accepted" "$L" torture --ipi nmi
check "unknown scenario 'nope'" "$L" scenario nope
check "a scenario name (see --list) or --all is required" "$L" scenario
check "only one scenario name" "$L" scenario hotpath mm-reuse
check "not both" "$L" scenario --all hotpath
check "unknown option '--fast'" "$L" mutants --fast
check "unknown scheme 'rcu'" "$L" mutants --check --scheme rcu
check "it has no mutants and no clean run" "$L" mutants --check --scheme none
check "--rounds: 5 is out of range" "$L" litmus --rounds 5
check "takes no options" "$L" schemes --all
[ $fail -eq 0 ] && echo "all bad inputs refused with status 2"
exit $fail
