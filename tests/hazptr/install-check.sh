#!/bin/sh
# `make install` into a temporary prefix, then build examples/config-reader.c
# against the installed library with pkg-config (shared, then static) and
# run it.  Checks what a packager relies on: the soname and its symlinks,
# hazptr.pc, the man pages, and a public header free of project switches.
# $B and $SAN as in tests/run.sh; a sanitized build installs the sanitized
# library, so the example is built with the same -fsanitize.
set -eu
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hazptr-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/usr
fail() { echo "install-check: $*"; exit 1; }

# A make started from `make check` must not inherit its jobserver.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory \
	install PREFIX="$prefix" SAN="${SAN:-}" CC="$CC" >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; fail "make install PREFIX=$prefix failed"; }

lib=$prefix/lib
for f in include/hazptr.h lib/libhazptr.a lib/libhazptr.so.1.1.0 \
	 lib/pkgconfig/hazptr.pc share/man/man3/hazptr.3 \
	 share/man/man3/hazptr_protect.3 share/man/man3/hazptr_retire.3; do
	[ -f "$prefix/$f" ] || fail "missing $f"
done
[ "$(readlink "$lib/libhazptr.so.1")" = libhazptr.so.1.1.0 ] || fail "libhazptr.so.1 link"
[ "$(readlink "$lib/libhazptr.so")" = libhazptr.so.1 ] || fail "libhazptr.so link"
readelf -d "$lib/libhazptr.so.1.1.0" | grep -q 'SONAME.*\[libhazptr\.so\.1\]' || fail "soname"
# Calls added in 1.1 carry the 1.1 version node, 1.0's keep theirs.
readelf --dyn-syms -W "$lib/libhazptr.so.1.1.0" | grep -q 'hazptr_cohort_create@@HAZPTR_1\.1' ||
	fail "hazptr_cohort_create not in HAZPTR_1.1"
readelf --dyn-syms -W "$lib/libhazptr.so.1.1.0" | grep -q 'hazptr_retire@@HAZPTR_1\.0' ||
	fail "hazptr_retire not in HAZPTR_1.0"
if grep -n 'LAZYMM\|HAZPTR_TEST' "$prefix/include/hazptr.h"; then
	fail "the installed header names project or test switches"
fi
# Every page is a page (.TH) or a link to one (.so) that exists.
for m in "$prefix"/share/man/man3/*.3; do
	first=$(head -n 1 "$m")
	case $first in
	.so\ *) [ -f "$prefix/share/man/${first#.so }" ] || fail "$m: dangling ${first#.so }" ;;
	*) grep -q '^\.TH ' "$m" || fail "$m: no .TH" ;;
	esac
done

export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$(pkg-config --modversion hazptr)" = 1.1.0 ] || fail "pkg-config --modversion"
san=${SAN:+-fsanitize=$SAN}
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -O2 -Wall -Wextra -Werror $san -o "$tmp/example" examples/config-reader.c \
	$(pkg-config --cflags --libs hazptr) -Wl,-rpath,"$lib" || fail "shared build"
readelf -d "$tmp/example" | grep -q 'NEEDED.*\[libhazptr\.so\.1\]' || fail "example does not need libhazptr.so.1"
"$tmp/example" || fail "example (shared) failed"
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -O2 -Wall -Wextra -Werror $san -o "$tmp/example-static" examples/config-reader.c \
	$(pkg-config --cflags hazptr) "$lib/libhazptr.a" -pthread || fail "static build"
"$tmp/example-static" || fail "example (static) failed"
echo "install-check: installed, built with pkg-config (shared and static), ran"
