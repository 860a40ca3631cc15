#!/bin/bash
# The demo, inside the VM (tools/demo boots it): fakecam captures, fakedisp
# imports the same pages and scans them out, and the kernel side proves it.
#   1. the two devices as the standard tools see them;
#   2. a live capture from fakecam at 1920x1080 with v4l2-ctl (fps);
#   3. fakecam's buffers imported into fakedisp (PRIME), shown with atomic
#      flips, every frame checked at scanout, pfn hashes compared.
# The producer/consumer pair over a UNIX socket replaces step 3 once it
# exists (issue 5).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

cam=$(video_by_driver fakecam) || fail "fakecam is not loaded"
card=$(card_by_driver fakedisp) || fail "fakedisp is not loaded"
echo "== devices: fakecam at $cam, fakedisp at $card ($(uname -r))"
v4l2-ctl -d "$cam" --list-formats | grep -E "^\s+\[" || true
modetest -M fakedisp -c 2>/dev/null | sed -n '1,4p' || true

echo "== capture: 1920x1080 XR24 from fakecam, 120 frames at 60 fps"
v4l2-ctl -d "$cam" --set-fmt-video=width=1920,height=1080,pixelformat=XR24 \
	--set-parm=60 >/dev/null || fail "cannot set 1920x1080 at 60 fps"
v4l2-ctl -d "$cam" --stream-mmap --stream-count=120 --stream-to=/dev/null 2>&1 |
	tr '<' '\n' | grep fps || fail "capture failed"

echo "== display: fakecam buffers imported into fakedisp, 60 flips, zero copy checked"
"$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-import" --source fakecam \
	--size 1920x1080 --flips 60 || fail "the display path failed"

echo "== scanout counters"
cat /sys/kernel/debug/fakedisp/scanout
echo "== verdict: PASS (same pages on both sides, every stamped frame intact)"
