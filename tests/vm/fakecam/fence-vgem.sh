#!/bin/bash
# An imported buffer whose fence never signals (a vgem write fence, which
# vgem itself signals only after 10 s): fakecam waits for it at most
# fence_timeout_ms, hands the buffer back with V4L2_BUF_FLAG_ERROR, counts
# it in debugfs and says so in the kernel log (once, rate limited);
# STREAMOFF and close() while it waits return at once: within 1.5 s of
# what they take with no fence pending, measured first (seconds on the
# KASAN kernel). The timeout is set to 4 s so that a STREAMOFF that merely
# waited it out would show.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-expbuf
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
param=/sys/module/fakecam/parameters/fence_timeout_ms
stats=/sys/kernel/debug/fakecam/0/stats

if [ -w "$param" ]; then
	echo 4000 >"$param" || fail "cannot set $param"
else
	echo "no $param: fakecam does not bound its fence waits" >&2
fi
v4l2-ctl -d "$cam" --set-fmt-video="width=640,height=360,pixelformat=XR24" ||
	fail "setting the format"
dmesg -C
"$tool" fence "$cam" || fail "fakecam waited for a fence that never signals"

[ -r "$stats" ] || fail "no $stats"
timeouts=$(sed -n 's/^fence_timeouts \([0-9]*\)$/\1/p' "$stats")
[ "${timeouts:-0}" -ge 1 ] || { cat "$stats" >&2; fail "the timed-out buffer is not counted"; }
pass "fence timeouts counted: $timeouts"
dmesg | grep -E "fakecam|video4linux" || true
dmesg | grep -q "fences unsignalled after" || fail "no log line for the timed-out buffer"
pass "the timeout is in the kernel log"
