#!/bin/bash
# Host-side test of tools/vmrun on the debug kernel, the control of
# vmrun-catches-report.sh: with vmrun_selftest loaded and no trigger fired, a
# command that succeeds passes (exit 0), and kmemleak has scanned after it
# and found nothing (what boot left unreferenced is not the job's).
set -u
err=$(mktemp)
trap 'rm -f "$err"' EXIT
start=$(date +%s)
log=()
[ -z "${DMABUF_OUT:-}" ] || { mkdir -p "$DMABUF_OUT" && log=(--log "$DMABUF_OUT/console.log"); }
"$DMABUF_SRC/tools/vmrun" --kernel "$DMABUF_KREL" --build "$DMABUF_BUILD" "${log[@]}" \
	--modules vmrun_selftest --timeout "${VMRUN_TIMEOUT:-840}" -- sh -c 'ls /sys/kernel/debug/vmrun_selftest' 2>"$err"
got=$?
cat "$err"
echo "(the run took $(($(date +%s) - start)) s)"
[ "$got" -eq 0 ] || { echo "FAIL: a clean run on the debug kernel returned $got, expected 0"; exit 1; }
! grep -q 'the guest kernel reported errors' "$err" || { echo "FAIL: a clean run has kernel reports"; exit 1; }
scan=$(grep '^vmrun: kmemleak: ' "$err") || { echo "FAIL: no kmemleak scan after the command"; exit 1; }
case "$scan" in
"vmrun: kmemleak: 0 leak(s) found by 2 scans after the command "*) ;;
*) echo "FAIL: kmemleak's scan did not end clean: $scan"; exit 1 ;;
esac
echo "PASS: a clean run on the debug kernel passes; ${scan#vmrun: }"
