#!/bin/bash
# Everything fakedisp must refuse (framebuffers, PRIME imports, atomic
# commits, with TEST_ONLY and for real), a valid commit that it must accept,
# and drmWaitVBlank; see tools/fakedisp-bad-input.c.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-bad-input
[ -x "$tool" ] || fail "$tool is not built"
"$tool" || fail "fakedisp-bad-input"
expect_rmmod fakedisp
pass "bad input refused, rmmod fakedisp"
