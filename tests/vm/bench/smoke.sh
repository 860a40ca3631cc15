#!/bin/bash
# Runs tools/bench --smoke in this guest (fakecam, fakedisp at 1000 Hz loaded
# by vmrun), builds its report and checks bench.json has every case, each of
# which ran to completion. Speed is never judged.
set -euo pipefail
. "$DMABUF_SRC/tests/vm/lib.sh"

out=${DMABUF_OUT:-/tmp}/bench-smoke
bin=${DMABUF_BENCH_BIN:-$DMABUF_BUILD/bench}
mkdir -p "$out"
/usr/bin/python3 "$DMABUF_SRC/tools/bench" --inside --smoke -b "$DMABUF_BUILD" --bin "$bin" \
	-o "$out" || fail "tools/bench --smoke: some case failed (see the lines above)"
/usr/bin/python3 "$DMABUF_SRC/tools/bench" --report-only -b "$DMABUF_BUILD" -o "$out" ||
	fail "the report lists failed cases"
/usr/bin/python3 "$DMABUF_SRC/tests/vm/bench/check-results.py" "$out/bench.json" ||
	fail "bench.json is incomplete"
pass "benchmark smoke: every case ran, bench.json complete ($out)"
