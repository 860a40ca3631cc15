#!/bin/bash
# "Display allocates, camera fills": vgem dumb buffers queued to fakecam as
# V4L2_MEMORY_DMABUF get correct frames (checked through vgem's dma-buf),
# for every format; fakecam's import path shows in its event log.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-expbuf
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
events=/sys/kernel/debug/fakecam/events

for fmt in XR24 NV12 YUYV; do
	v4l2-ctl -d "$cam" --set-fmt-video="width=640,height=360,pixelformat=$fmt" ||
		fail "setting $fmt"
	echo clear >"$events"
	"$tool" import "$cam" || fail "$fmt: fakecam writing into vgem buffers"
	for op in import_attach import_map import_unmap import_detach; do
		grep -q "op=$op .*peer=fakecam.0" "$events" || {
			cat "$events" >&2
			fail "$fmt: no $op event"
		}
	done
	pass "$fmt: frames written into vgem's buffers"
done
