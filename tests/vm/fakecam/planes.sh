#!/bin/bash
# The multi-planar camera (vmrun --param fakecam.devices=2 --param
# fakecam.mplane=0,1: camera 1) with NV12M and NV21M, one dma-buf per plane:
# VIDIOC_EXPBUF's plane index (EINVAL past the last plane, two distinct
# dma-bufs of the planes' sizes, listed per plane in debugfs and named
# fakecam:1:<index>:1 for the chroma plane), frames read through both
# dma-bufs; then vgem dumb buffers imported per plane (V4L2_MEMORY_DMABUF),
# a short chroma dma-buf refused. With one-buffer NV12 on the same node
# EXPBUF of plane 1 fails (fakecam-planes says more).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-planes
[ -x "$tool" ] || fail "$tool is not built"
multi=$(fakecam_node 1) || fail "no node for camera 1"
events=/sys/kernel/debug/fakecam/events

for fmt in NM12 NM21; do
	"$tool" expbuf "$multi" "$fmt" || fail "$fmt: EXPBUF per plane"
	pass "$fmt: EXPBUF per plane"
	echo clear >"$events"
	"$tool" import "$multi" "$fmt" || fail "$fmt: DMABUF import per plane"
	for op in import_attach import_map import_unmap import_detach; do
		grep -q "cam=1 op=$op .*peer=fakecam.1" "$events" || {
			cat "$events" >&2
			fail "$fmt: no $op event"
		}
	done
	pass "$fmt: DMABUF import per plane"
done
