#!/bin/bash
# v4l2-compliance (sid's v4l-utils 1.32) on fakecam with streaming (-s), and
# again with vivid as --expbuf-device so that every streaming test imports
# vivid's dma-bufs into fakecam's queue (V4L2_MEMORY_DMABUF). vivid runs the
# same tool on the same kernel beside it: fakecam must show no failure or
# warning vivid does not show too (on 6.12 and newer: none at all).
#
# With the argument "mplane" the camera is multi-planar (vmrun --param
# fakecam.mplane=1) and streams NV12M, two vb2 planes; vivid is reloaded
# multi-planar (multiplanar=2) in NV12M too, so that its dma-bufs fill
# fakecam's two planes.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

mode=${1:-single}
fmt=XR24
if [ "$mode" = mplane ]; then
	fmt=NM12
	modprobe -r vivid && modprobe vivid multiplanar=2 ||
		fail "cannot reload vivid multi-planar"
fi
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
viv=$(video_by_driver vivid) || fail "no vivid video node (modprobe vivid)"
out=${DMABUF_OUT:-/tmp}
if [ "$mode" = mplane ]; then
	v4l2-ctl -d "$cam" --info | grep -q "Video Capture Multiplanar" ||
		fail "$cam is not multi-planar (fakecam.mplane=1)"
	v4l2-ctl -d "$cam" --set-fmt-video=width=640,height=480,pixelformat=NM12 ||
		fail "cannot set fakecam's format"
	v4l2-ctl -d "$cam" --get-fmt-video | grep -q "Number of planes *: 2" ||
		fail "fakecam's NV12M does not have two planes"
fi

# totals LOG: prints "FAILED WARNINGS" from v4l2-compliance's summary line.
totals() {
	sed -n 's/^Total for .*Failed: \([0-9]*\), Warnings: \([0-9]*\).*/\1 \2/p' "$1" | tail -1
}

# run NAME ARGS...: runs v4l2-compliance, keeps its log, prints the totals.
run() {
	local name=$1 log=$out/compliance-$1.log t
	shift
	sid_run v4l2-compliance "$@" >"$log" 2>&1
	t=$(totals "$log")
	[ -n "$t" ] || { cat "$log" >&2; fail "$name: v4l2-compliance printed no totals"; }
	grep -E "fail:|warn:" "$log" | sed "s/^/$name: /" >&2
	echo "$t"
}

# vivid's capture node holds buffers as large as fakecam's format.
v4l2-ctl -d "$viv" --set-fmt-video=width=640,height=480,pixelformat=$fmt ||
	fail "cannot set vivid's format"

read -r vf vw <<<"$(run vivid -d "$viv" -s)"
read -r ff fw <<<"$(run fakecam -d "$cam" -s)"
read -r ef ew <<<"$(run fakecam-expbuf -d "$cam" -s --expbuf-device "$viv")"
echo "$mode: vivid: $vf failed, $vw warnings; fakecam: $ff/$fw; fakecam with vivid's dma-bufs: $ef/$ew"

case "$DMABUF_KREL" in
6.1.*)
	# The 6.1 vb2 core fails three CREATE_BUFS checks for every driver.
	{ [ "$ff" -le "$vf" ] && [ "$ef" -le "$vf" ]; } ||
		fail "fakecam fails more than vivid on $DMABUF_KREL"
	{ [ "$fw" -le "$vw" ] && [ "$ew" -le "$vw" ]; } ||
		fail "fakecam warns more than vivid on $DMABUF_KREL"
	;;
*)
	[ "$ff$fw$ef$ew" = 0000 ] || fail "fakecam is not clean on $DMABUF_KREL"
	;;
esac
pass "v4l2-compliance on $DMABUF_KREL ($mode-planar fakecam, $fmt)"
