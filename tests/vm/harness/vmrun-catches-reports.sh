#!/bin/bash
# Host-side test of tools/vmrun on the debug kernel: a command that succeeds
# while the kernel's detectors report fails the run (exit 1), and vmrun
# names the kind of every report, in order, and shows the first in full.
# vmrun_selftest (tests/kernel/vmrun-selftest) provokes them, one per
# TRIGGER:KIND argument, in one guest: TRIGGER is the name of its debugfs
# file (soft_lockup and rcu_stall: its spin file with the detector's
# threshold lowered, then put back), KIND the name vmrun gives the report.
# Lockdep turns itself off after its first report and after a KASAN report
# (a taint that makes it unreliable): it goes first. kmemleak's report comes
# from the scans after the command: it is named last. The control is
# vmrun-debug-clean.sh; the recognition of each kind in saved logs is
# unit.harness.vmrun-reports.
#
# Usage: vmrun-catches-reports.sh TRIGGER:KIND...
set -u
[ $# -gt 0 ] || { echo "usage: $0 TRIGGER:KIND..." >&2; exit 2; }
d=/sys/kernel/debug/vmrun_selftest

# What the guest runs: each trigger, then a line that proves the command
# got past it.
cmd="set -e"
kinds=()
for pair in "$@"; do
	trigger=${pair%%:*}
	kinds+=("${pair#*:}")
	file=$trigger
	case "$trigger" in
	hung_task)
		# The writer sleeps in D state for 6 s; khungtaskd looks every 2 s.
		step="echo 2 > /proc/sys/kernel/hung_task_timeout_secs; echo 6 > $d/hung_task;
			echo 120 > /proc/sys/kernel/hung_task_timeout_secs" ;;
	soft_lockup)
		file=spin
		# A soft lockup is 2 * watchdog_thresh seconds without scheduling.
		step="echo 1 > /proc/sys/kernel/watchdog_thresh; echo 6 > $d/spin;
			echo 30 > /proc/sys/kernel/watchdog_thresh" ;;
	rcu_stall)
		file=spin
		# 3 s is the lowest stall timeout; a new grace period takes it up.
		p=/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
		step="echo 3 > $p; sleep 1; echo 10 > $d/spin; echo 60 > $p" ;;
	*)
		step="echo 1 > $d/$trigger" ;;
	esac
	cmd+="; [ -e $d/$file ] || { echo 'no $file trigger on this kernel'; exit 3; }"
	cmd+="; $step; echo 'fired $trigger'"
done
want=$(IFS=,; echo "${kinds[*]}" | sed 's/,/, /g')

opts=()
[ -z "${DMABUF_OUT:-}" ] || { mkdir -p "$DMABUF_OUT" && opts+=(--log "$DMABUF_OUT/console.log"); }
err=$(mktemp)
out=$(mktemp)
trap 'rm -f "$err" "$out"' EXIT
start=$(date +%s)
"$DMABUF_SRC/tools/vmrun" --quiet --kernel "$DMABUF_KREL" --build "$DMABUF_BUILD" \
	--modules vmrun_selftest --timeout "${VMRUN_TIMEOUT:-900}" "${opts[@]}" \
	-- sh -c "$cmd" >"$out" 2>"$err"
got=$?
# The guest's console ends its lines with CR LF.
sed -i 's/\r$//' "$out" "$err"
cat "$out" "$err"
echo "(the run took $(($(date +%s) - start)) s)"
failed=0
for pair in "$@"; do
	grep -q "^fired ${pair%%:*}\$" "$out" ||
		{ echo "FAIL: the command did not get past the ${pair%%:*} trigger"; failed=1; }
done
[ "$got" -eq 1 ] || { echo "FAIL: vmrun returned $got, expected 1"; failed=1; }
# A detector may report one trigger more than once (a soft lockup every
# few seconds while it lasts): repeats in a row count once.
got_kinds=$(sed -n 's/^vmrun: the guest kernel reported errors: [0-9]* reports\{0,1\} (\(.*\))$/\1/p' "$err" |
	awk -F', ' '{ for (i = 1; i <= NF; i++) if ($i != prev) { out = out (out == "" ? "" : ", ") $i; prev = $i }
		print out }')
[ "$got_kinds" = "$want" ] ||
	{ echo "FAIL: vmrun named the reports '$got_kinds', expected '$want'"; failed=1; }
for kind in "${kinds[@]}"; do
	grep -q "^vmrun:   $kind: " "$err" || { echo "FAIL: no summary line for the $kind report"; failed=1; }
done
grep -q '^vmrun: report 1 of [0-9]* (.*), in full:$' "$err" || { echo "FAIL: the first report is not shown"; failed=1; }
[ "$failed" = 0 ] || exit 1
echo "PASS: each report fails the run and is named: $want"
