#!/bin/bash
# fakedisp as KMS clients written elsewhere expect it: dumb buffers at every
# colour mode, the advertised largest framebuffer shown, GETFB and GETFB2,
# one CRC for one picture in every format (and another for one pixel
# changed), the cursor plane, every plane on/off combination across
# modesets, one CRC entry per vblank (tools/fakedisp-kms.c, whose head says
# each check). Then the scanout's verdicts and rmmod fakedisp.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-kms
[ -x "$tool" ] || fail "$tool is not built"
"$tool" || fail "fakedisp-kms"
bad=$(awk '/^(bad_stamp|bad_checksum|rewritten):/ { n += $2 } END { print n }' \
	/sys/kernel/debug/fakedisp/scanout)
[ "$bad" -eq 0 ] || fail "$bad frames read with a bad stamp or rewritten"
expect_rmmod fakedisp
pass "fakedisp-kms: every check; rmmod fakedisp"
