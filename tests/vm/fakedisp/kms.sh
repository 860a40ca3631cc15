#!/bin/bash
# fakedisp as KMS clients written elsewhere expect it: dumb buffers at every
# colour mode, the advertised largest framebuffer shown, GETFB and GETFB2,
# one CRC for one picture in every format (and another for one pixel
# changed), the cursor plane, every plane on/off combination across
# modesets, one CRC entry per vblank, the writeback connector, every format
# and multi-object layout on the overlay (tools/fakedisp-kms.c, whose head
# says each check). Then the scanout's verdicts; then frames rewritten on
# screen in a chroma plane's own buffer, and a stamp of the wrong format,
# counted as such ("stamps"); rmmod fakedisp. Needs vgem (chroma planes
# imported from it).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-kms
[ -x "$tool" ] || fail "$tool is not built"
"$tool" || fail "fakedisp-kms"
bad=$(awk '/^(bad_stamp|bad_checksum|rewritten):/ { n += $2 } END { print n }' \
	/sys/kernel/debug/fakedisp/scanout)
[ "$bad" -eq 0 ] || fail "$bad frames read with a bad stamp or rewritten"
# Deliberately bad frames last: the counters above are spent.
"$tool" stamps || fail "fakedisp-kms stamps"
expect_rmmod fakedisp
pass "fakedisp-kms: every check; rmmod fakedisp"
