#!/bin/bash
# fakedisp at refresh_hz=1000 (the benchmark rate): 500 CRC entries, all
# right, numbered at 1000 vblanks/s, 200 page flips at least a vblank (1 ms)
# apart, and the same checks as the import scenario, on vgem buffers. The
# CRC stream may have gaps here: DRM keeps 128 entries, and a reader in an
# emulated guest can stall longer than 128 ms.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-import
[ -x "$tool" ] || fail "$tool is not built"
grep -qx "refresh_hz: 1000" /sys/kernel/debug/fakedisp/scanout || fail "fakedisp is not at 1000 Hz"
"$tool" --source vgem --flips 200 --crc-entries 500 --crc-gaps || fail "fakedisp-import at 1000 Hz"
expect_rmmod fakedisp
pass "1000 Hz: CRC stream, flips, release"
