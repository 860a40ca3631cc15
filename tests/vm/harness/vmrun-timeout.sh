#!/bin/bash
# Host-side test of tools/vmrun: a command that outlives --timeout is killed
# with QEMU, vmrun says so and returns 124, promptly and leaving no QEMU.
set -u
limit=25
err=$(mktemp)
trap 'rm -f "$err"' EXIT
start=$(date +%s)
"$DMABUF_SRC/tools/vmrun" --quiet --kernel "$DMABUF_KREL" --build "$DMABUF_BUILD" \
	--modules none --timeout "$limit" -- sleep 1000 2>"$err"
got=$?
took=$(($(date +%s) - start))
cat "$err"
[ "$got" -eq 124 ] || { echo "FAIL: vmrun returned $got on timeout, expected 124"; exit 1; }
grep -q "timed out after $limit s" "$err" || { echo "FAIL: no timeout message"; exit 1; }
[ "$took" -lt $((limit + 15)) ] || { echo "FAIL: took ${took}s for a ${limit}s timeout"; exit 1; }
echo "PASS: timeout after ${took}s, exit 124"
