#!/bin/bash
# Bad input gets the errno V4L2 specifies (fakecam-ioctls errors), a fixed-
# seed run of random ioctls leaves no kernel warning (vmrun checks the log)
# and the device still streams correct frames afterwards.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tools=$DMABUF_BUILD/tests/vm/fakecam/tools
cam=$(video_by_driver fakecam) || fail "no fakecam video node"

"$tools/fakecam-ioctls" errors "$cam" || fail "some ioctls got the wrong errno"
pass "bad input refused as specified"

for seed in 1 2 3; do
	"$tools/fakecam-ioctls" random "$cam" "$seed" 2000 || fail "random ioctls, seed $seed"
done
pass "6000 random ioctls"

raw=/tmp/fakecam-after.raw
v4l2-ctl -d "$cam" --set-ctrl=pattern_mode=0,unthrottled=0,early_done=0,fill_latency_us=0 --set-parm=60 \
	--set-fmt-video=width=320,height=240,pixelformat=NV12 \
	--stream-mmap=3 --stream-count=10 --stream-to="$raw" || fail "streaming after the run"
"$tools/fakecam-frames" --format NV12 --width 320 --height 240 --min-frames 10 "$raw" ||
	fail "frames after the random run"
pass "still streaming correct frames"
! grep -q "dmabuf ino=" /sys/kernel/debug/fakecam/0/buffers ||
	fail "exports still listed after every fd was closed"
