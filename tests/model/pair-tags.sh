#!/bin/sh
# Every barrier comment names its pairing with a [pair:NAME] tag; each tag
# must appear at least twice (both ends), so a change to one side finds the
# other.  Lists the tags that appear only once.
cd "$(dirname "$0")/../.."
bad=$(grep -rhoE '\[pair:[a-z0-9-]+\]' include lib model cli bench/lazymm bench/common tests/model | sort | uniq -c | awk '$1 < 2 { print $2 }')
if [ -n "$bad" ]; then
	echo "barrier tags with only one end:"; echo "$bad"
	exit 1
fi
echo "$(grep -rhoE '\[pair:[a-z0-9-]+\]' include lib model cli bench/lazymm bench/common tests/model | sort -u | wc -l) barrier pairs, each tagged at both ends"
