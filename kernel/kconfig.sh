# SPDX-License-Identifier: GPL-2.0
#
# Sourced by kernel/kcheck.sh and kernel/buildonly.sh: the one configure step
# both use.  Expects SRC (the unpacked source), NICE and say() from the
# caller.
#
# kconfig_merge OBJ FRAGMENT...: tinyconfig, the fragments merged over it in
# order, olddefconfig; then every "CONFIG_X=y" a fragment asks for must have
# survived and every "# CONFIG_X is not set" must be off -- a dependency that
# kconfig silently dropped fails the step (status 1, the option named) rather
# than building a kernel that does not test what the fragment says.
kconfig_merge() {
	local obj=$1 f line
	shift
	$NICE make -s -C "$SRC" O="$obj" ARCH=x86_64 tinyconfig >/dev/null || return 1
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$@" >/dev/null || return 1
	$NICE make -s -C "$SRC" O="$obj" ARCH=x86_64 olddefconfig >/dev/null || return 1
	for f in "$@"; do
		while read -r line; do
			grep -qx "$line" "$obj/.config" || { say "config lost: $line"; return 1; }
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=y' "$f")
		while read -r line; do
			line=${line#\# }; line=${line% is not set}
			! grep -qx "$line=y" "$obj/.config" || { say "config should be off: $line"; return 1; }
		done < <(grep -E '^# CONFIG_[A-Z0-9_]+ is not set' "$f")
	done
}
