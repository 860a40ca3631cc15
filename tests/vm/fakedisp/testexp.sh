#!/bin/bash
# fakedisp importing from fakedisp_testexp.ko, the test-only exporter of
# tests/vm/fakedisp/testexp/: one check of tools/fakedisp-testexp, named by
# $1 (locking, no-vmap, vmap-lifetime, release-in-tail, dma-direct; see its
# header). Then both modules must unload: no import, frame or dma-buf left.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

check=${1:?which check}
tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-testexp
[ -x "$tool" ] || fail "$tool is not built"
[ -c /dev/fakedisp_testexp ] || fail "fakedisp_testexp is not loaded"
"$tool" "$check" || fail "fakedisp-testexp $check"
expect_rmmod fakedisp
expect_rmmod fakedisp_testexp
pass "$check; rmmod fakedisp, fakedisp_testexp"
