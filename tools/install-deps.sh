#!/bin/sh
# Install the Debian 12 packages lazymm needs (build, tests, benchmark plot,
# SPIN models, the kernel check).  Runs apt-get through sudo unless root.
set -e
cd "$(dirname "$0")/.."
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PKGS="build-essential clang make pkg-config libck-dev liburcu-dev spin gnuplot-nox"
# the real-kernel check (kernel/): Debian's linux-source-6.1 and qemu
PKGS="$PKGS $(grep -v '^#' kernel/packages.txt 2>/dev/null | tr '\n' ' ')"
export DEBIAN_FRONTEND=noninteractive
i=0
until $SUDO apt-get update -q; do
	i=$((i + 1)); [ $i -ge 3 ] && exit 1; sleep 5
done
i=0
until $SUDO apt-get install -y -q --no-install-recommends $PKGS; do
	i=$((i + 1)); [ $i -ge 3 ] && exit 1; sleep 5      # a dpkg lock held elsewhere
done
