#!/bin/bash
# PRIME import into fakedisp from every exporter at hand: fakecam (stamped
# frames, pfn hash compared with fakecam's), vivid (VIDIOC_EXPBUF), vgem,
# and fakedisp's own exported dumb buffers; formats XR24, NV12 and YUYV
# (and, from vgem, NV21, NV16, YU12 and RG16); a
# 1920x1080 and a 3840x2160 frame; camera frames also streamed to the
# screen the way the consumer does it. fakedisp-import checks CRCs, flips,
# the scanout counters and the release order (see its header). Then rmmod
# fakedisp, and fakecam after it.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-import
[ -x "$tool" ] || fail "$tool is not built"

run() {
	echo "== fakedisp-import $*"
	"$tool" "$@" || fail "fakedisp-import $*"
}

for fmt in XR24 NV12 YUYV; do
	run --source fakecam --format "$fmt" --stream 60
done
run --source fakecam --size 1920x1080 --flips 10 --crc-entries 20
run --source vivid --format XR24 --stream 30
run --source vivid --format YUYV
run --source vgem --format XR24
run --source vgem --format NV12 --size 1280x720
for fmt in NV21 NV16 YU12 RG16; do
	run --source vgem --format "$fmt"
done
run --source dumb
run --source vgem --size 3840x2160 --flips 5 --crc-entries 30

expect_rmmod fakedisp
expect_rmmod fakecam
pass "rmmod fakedisp, then fakecam"
