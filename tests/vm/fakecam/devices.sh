#!/bin/bash
# With devices=2 (vmrun --param fakecam.devices=2) there are two independent
# cameras: both stream correct frames at once, each in its own format, and
# their exports are named fakecam:<camera>:<index>.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tools=$DMABUF_BUILD/tests/vm/fakecam/tools
nodes=()
for n in /dev/video*; do
	v4l2-ctl -d "$n" --info 2>/dev/null | grep -qE "Driver name[[:space:]]*: fakecam$" &&
		nodes+=("$n")
done
[ "${#nodes[@]}" -eq 2 ] || fail "expected 2 fakecam nodes, found ${#nodes[@]}"
[ -d /sys/kernel/debug/fakecam/1 ] || fail "no debugfs folder for camera 1"

# Both at once, different formats.
v4l2-ctl -d "${nodes[0]}" --set-fmt-video=width=320,height=240,pixelformat=NV12 \
	--stream-mmap=3 --stream-count=20 --stream-to=/tmp/cam0.raw &
first=$!
v4l2-ctl -d "${nodes[1]}" --set-fmt-video=width=352,height=288,pixelformat=YUYV \
	--stream-mmap=3 --stream-count=20 --stream-to=/tmp/cam1.raw || fail "streaming camera 1"
wait "$first" || fail "streaming camera 0"
"$tools/fakecam-frames" --format NV12 --width 320 --height 240 --min-frames 20 /tmp/cam0.raw ||
	fail "camera 0 frames"
"$tools/fakecam-frames" --format YUYV --width 352 --height 288 --min-frames 20 /tmp/cam1.raw ||
	fail "camera 1 frames"
pass "two cameras streaming at once"

# The second camera's exports carry its number.
mkfifo /tmp/hold.fifo
"$tools/fakecam-expbuf" hold "${nodes[1]}" </tmp/hold.fifo >/tmp/hold.out &
holder=$!
exec 3>/tmp/hold.fifo
for _ in $(seq 100); do
	grep -q "^held" /tmp/hold.out && break
	sleep 0.2
done
grep -q "fakecam:1:0" /sys/kernel/debug/dma_buf/bufinfo ||
	fail "bufinfo has no dma-buf named fakecam:1:0"
exec 3>&-
wait "$holder" || fail "the holder failed"
pass "camera 1 exports are named fakecam:1:<index>"
