#!/bin/bash
# VIDIOC_EXPBUF -> mmap + DMA_BUF_IOCTL_SYNC reads the dequeued frame (stamp,
# pattern, same bytes as the V4L2 mapping); the fd imported into vgem shows
# vgem attached in bufinfo and in fakecam's debugfs, and vgem's re-export is
# the same dma-buf (same inode). Per format, at a size that is not a
# multiple of a page.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-expbuf
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
events=/sys/kernel/debug/fakecam/events

# The same operations go to the fakecam:fakecam_dmabuf tracepoint.
tracing=/sys/kernel/tracing
[ -d "$tracing/events" ] || mount -t tracefs tracefs "$tracing" || fail "cannot mount tracefs"
echo 1 >"$tracing/events/fakecam/fakecam_dmabuf/enable" || fail "no fakecam tracepoint"
echo >"$tracing/trace"

for fmt in XR24 NV12 YUYV; do
	v4l2-ctl -d "$cam" --set-fmt-video="width=322,height=182,pixelformat=$fmt" ||
		fail "setting $fmt"
	echo clear >"$events"
	out=$("$tool" check "$cam" --vgem) || fail "$fmt: fakecam-expbuf check"
	echo "$out"
	ino=$(sed -n 's/^EXPBUF of buffer .*: ino \([0-9]*\),.*/\1/p' <<<"$out")
	[ -n "$ino" ] || fail "$fmt: no inode reported"
	# The exporter saw every step, for this dma-buf.
	for op in export mmap begin_cpu end_cpu attach detach release; do
		grep -q "op=$op .*ino=$ino " "$events" || {
			cat "$events" >&2
			fail "$fmt: no $op event for ino $ino"
		}
	done
	grep -q "op=attach .*ino=$ino peer=vgem" "$events" || fail "$fmt: vgem did not attach"
	pass "$fmt: EXPBUF, SYNC read, vgem import and re-export (ino $ino)"
done
echo 0 >"$tracing/events/fakecam/fakecam_dmabuf/enable"
grep "fakecam_dmabuf:" "$tracing/trace" | grep "ino=$ino " >&2
for op in export begin_cpu end_cpu attach detach release; do
	grep -q "fakecam_dmabuf: cam=0 op=$op index=[0-9]* ino=$ino " "$tracing/trace" ||
		fail "the tracepoint did not report $op of ino $ino"
done
pass "the tracepoint reports the same operations"
! grep -q "dmabuf ino=" /sys/kernel/debug/fakecam/0/buffers ||
	fail "exports still listed after every fd was closed"
pass "every exported dma-buf released"
