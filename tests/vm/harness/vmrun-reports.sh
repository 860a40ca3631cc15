#!/bin/bash
# Host test of tools/vmrun's verdict, no VM: tools/vmrun --check-log over the
# kernel logs in report-samples/: excerpts of guest logs with one detector's
# report each (from the debug kernel, as vmrun-catches-report.sh provokes
# them; list-bug.log, kobject.log, soft-lockup.log, rcu-stall.log and
# warn.log from Debian's 6.12; vivid.log written after vivid's report on
# 7.x), a debug kernel's whole boot that has none, and an injected failure
# (fault-injection.log). Each must give the exit status and the kinds of
# report expected, in order; --known-issue must screen what it matches and
# nothing else.
#
# Usage: vmrun-reports.sh [TOOLS_VMRUN]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vmrun=${1:-$here/../../../tools/vmrun}
samples=$here/report-samples
failed=0

# expect SAMPLE STATUS "KIND, KIND..." [vmrun options]
expect() {
	local sample=$1 want_status=$2 want_kinds=$3 out status kinds
	shift 3
	out=$("$vmrun" --check-log "$samples/$sample" "$@" 2>&1)
	status=$?
	kinds=$(sed -n 's/^vmrun: the guest kernel reported errors: [0-9]* reports\{0,1\} (\(.*\))$/\1/p' <<<"$out")
	if [ "$status" = "$want_status" ] && [ "$kinds" = "$want_kinds" ]; then
		echo "PASS: $sample${*:+ ($*)}: ${kinds:-no report}"
	else
		echo "FAIL: $sample${*:+ ($*)}: exit $status, kinds '$kinds'; expected exit $want_status, '$want_kinds'"
		sed 's/^/  | /' <<<"$out"
		failed=1
	fi
}

expect debug-boot.log 0 ""
expect warn.log 1 "WARNING"
expect kasan.log 1 "KASAN"
expect lockdep.log 1 "lockdep"
expect atomic-sleep.log 1 "sleep-in-atomic"
expect dma-api.log 1 "DMA-API"
expect ubsan.log 1 "UBSAN"
expect odebug.log 1 "ODEBUG"
expect kobject.log 1 "kobject"
expect list.log 1 "list-corruption"
expect list-bug.log 1 "list-corruption"
expect hung-task.log 1 "hung-task"
expect soft-lockup.log 1 "soft-lockup"
expect rcu-stall.log 1 "RCU-stall"
expect kmemleak.log 1 "kmemleak"

# Known issues: a WARN() by its message, a dump_stack() by the message
# above it, a kmemleak report by its backtrace; another report still counts.
expect warn.log 0 "" --known-issue 'vmrun_selftest: warning requested'
expect vivid.log 1 "stack-dump"
expect vivid.log 0 "" --known-issue 'schedule_timeout: wrong timeout value'
expect kmemleak.log 0 "" --known-issue 'selftest_kmemleak'
expect kasan.log 1 "KASAN" --known-issue 'vmrun_selftest: warning requested'
# Fault injection (the fail-nth sweep): what it provokes, declared known.
expect fault-injection.log 1 "stack-dump"
expect fault-injection.log 0 "" --known-issue 'FAULT_INJECTION: forcing a failure' \
	--known-issue 'page allocation failure: order:'

# Several reports in one log: each found, in order, the first in full.
out=$(cat "$samples/kasan.log" "$samples/lockdep.log" "$samples/hung-task.log" >"${TMPDIR:-/tmp}/vmrun-reports.$$" &&
	"$vmrun" --check-log "${TMPDIR:-/tmp}/vmrun-reports.$$" 2>&1)
rm -f "${TMPDIR:-/tmp}/vmrun-reports.$$"
if grep -q '^vmrun: the guest kernel reported errors: 3 reports (KASAN, lockdep, hung-task)$' <<<"$out" &&
	grep -q '^vmrun: report 1 of 3 (KASAN), in full:$' <<<"$out"; then
	echo "PASS: three reports in one log, the first in full"
else
	echo "FAIL: three reports in one log"
	sed 's/^/  | /' <<<"$out"
	failed=1
fi
exit $failed
