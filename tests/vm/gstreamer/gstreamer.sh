#!/bin/bash
# GStreamer on the two devices, run as a user of the kit would run it:
#   - v4l2src (mmap) negotiates each of fakecam's formats (BGRx = XR24, NV12,
#     YUY2 = YUYV) at 640x480 and BGRx at 1920x1080; the frames it delivers,
#     written out by filesink, are checked byte for byte by fakecam-frames;
#   - camera allocates: v4l2src io-mode=dmabuf ! kmssink driver-name=fakedisp
#     in BGRx and NV12: fakedisp imports fakecam's exports with pfn hashes
#     equal to fakecam's pages and scans them out with good stamps;
#   - display allocates: v4l2src io-mode=dmabuf-import ! kmssink: fakecam
#     fills kmssink's dumb buffers (pfn hashes equal the other way round);
#   - multi-planar camera (fakecam.devices=2 fakecam.mplane=0,1: camera 1):
#     v4l2src io-mode=dmabuf negotiates NV12 as NV12M, two vb2 planes, and
#     kmssink imports both planes' dma-bufs into one two-object NV12
#     framebuffer: fakecam's debugfs shows the chroma planes (plane=1)
#     and every plane's pfn hash equals fakedisp's import of it;
#   - after each pipeline no fakecam dma-buf is left; both modules unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

# The registry is built once per boot, in the guest's /tmp.
export GST_REGISTRY=$PIPE_DIR/gst-registry.bin
FRAMES=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-frames
command -v gst-launch-1.0 >/dev/null || fail "gst-launch-1.0 is missing (tools/install-deps installs gstreamer1.0-tools)"
gst-inspect-1.0 v4l2src >/dev/null || fail "no v4l2src (gstreamer1.0-plugins-good)"
gst-inspect-1.0 kmssink >/dev/null || fail "no kmssink (gstreamer1.0-plugins-bad)"
cam=$(fakecam_node 0) || fail "no fakecam video node"
v4l2-ctl -d "$cam" --set-ctrl=pattern_mode=0,unthrottled=0 || fail "resetting fakecam's controls"
mcam=$(fakecam_node 1) || fail "no node for camera 1 (fakecam.devices=2 fakecam.mplane=0,1)"
v4l2-ctl -d "$mcam" --info | grep -q "Video Capture Multiplanar" ||
	fail "$mcam is not multi-planar"

gst_format() {
	case "$1" in
	XR24) echo BGRx ;;
	NV12) echo NV12 ;;
	YUYV) echo YUY2 ;;
	esac
}

# gst FILE gst-launch-1.0 ARGS...: runs the pipeline with its output in
# FILE; fails the scenario with that output unless it reached EOS.
gst() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1 || ! grep -q "Got EOS" "$log"; then
		cat "$log" >&2
		fail "$*"
	fi
}

# Frames through v4l2src's own mmap buffers, checked whole.
capture() {
	local fmt=$1 w=${2%x*} h=${2#*x} raw=$PIPE_DIR/$1-$2.raw
	local caps="video/x-raw,format=$(gst_format "$fmt"),width=$w,height=$h"
	gst "$raw.log" gst-launch-1.0 v4l2src device="$cam" num-buffers=10 ! "$caps" \
		! filesink location="$raw"
	"$FRAMES" --format "$fmt" --width "$w" --height "$h" --min-frames 10 "$raw" ||
		fail "v4l2src $fmt $2: the frames are not fakecam's"
	rm -f "$raw"
	pass "v4l2src $(gst_format "$fmt") $2: 10 frames, every byte right"
}

# display FORMAT MODE [NODE]: v4l2src ! kmssink in io-mode MODE (dmabuf:
# the camera's buffers; dmabuf-import: the display's) from NODE (default
# camera 0; camera 1, multi-planar, takes NV12 as NV12M: two dma-bufs a
# buffer, so at least 4 imports and 4 equal hashes), 240 frames at 30 fps (long enough for the
# proof to see the buffers on the debug kernel, where 90 were over before
# the second import was seen): zero copy shown by the
# pfn hashes while it runs, every scanned frame with a good stamp.
display() {
	local fmt=$1 mode=$2 node=${3:-$cam} log=$PIPE_DIR/kms-$1-$2.log before_bad shown pid
	local want=2 what=
	[ "$node" = "$mcam" ] && { want=4 what=" (multi-planar, NV12M)"; log=$PIPE_DIR/kms-$1-$2-mplane.log; }
	before_bad=$(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
	shown=$(scanout_get stamped_ok)
	local caps="video/x-raw,format=$(gst_format "$fmt"),width=640,height=480,framerate=30/1"
	gst "$log" gst-launch-1.0 v4l2src device="$node" io-mode="$mode" num-buffers=240 ! "$caps" \
		! kmssink driver-name=fakedisp &
	pid=$!
	echo "== v4l2src io-mode=$mode ! kmssink, $fmt 640x480$what"
	if [ "$mode" = dmabuf ]; then
		wait_imports "$want" || fail "fakedisp imported fewer than $want fakecam buffers from kmssink"
		pfn_proof "$want" || fail "pfn hashes differ: not the same pages"
		if [ "$node" = "$mcam" ]; then
			# The chroma planes are buffers of their own, exported and imported.
			awk '/^buffer / {p = $NF} /dmabuf ino=/ && p == "plane=1" {n++} END {exit n < 1}' \
				/sys/kernel/debug/fakecam/1/buffers ||
				{ cat /sys/kernel/debug/fakecam/1/buffers >&2; fail "no exported plane=1 buffer: not NV12M"; }
		fi
	else
		wait_imports 2 display-exports || fail "fakecam mapped none of kmssink's buffers"
		pfn_proof 2 display-exports || fail "pfn hashes differ: not the same pages"
	fi
	wait "$pid" || fail "the $mode pipeline failed"
	[ "$(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))" = "$before_bad" ] ||
		{ cat /sys/kernel/debug/fakedisp/scanout; fail "fakedisp scanned bad frames"; }
	shown=$(($(scanout_get stamped_ok) - shown))
	[ "$shown" -ge 60 ] || fail "fakedisp scanned a stamped frame only $shown times"
	expect_no_fakecam_dmabuf
	pass "v4l2src io-mode=$mode ! kmssink $(gst_format "$fmt")$what: fakedisp scanned $shown times, every stamp good"
}

for fmt in XR24 NV12 YUYV; do
	capture "$fmt" 640x480
done
capture XR24 1920x1080
for fmt in XR24 NV12; do
	display "$fmt" dmabuf
	display "$fmt" dmabuf-import
done
display NV12 dmabuf "$mcam"
expect_modules_unload
