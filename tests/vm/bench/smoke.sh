#!/bin/bash
# Runs tools/bench --smoke in this guest (fakecam, fakedisp at 1000 Hz loaded
# by vmrun, fakecam with a multi-planar second camera), builds its report and
# checks bench.json has every case, each of which ran to completion or, for
# the heap and udmabuf cases on 6.1, was skipped with its reason (printed by
# the report and by check-results). Speed is never judged.
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
pass "benchmark smoke: every case ran or was skipped with its reason, bench.json complete ($out)"
