#!/bin/bash
# fakecam's fences (docs/fakecam.md, "Fences"): the controls by their
# v4l2-ctl names, then fakecam-fences against a baseline measured in the
# same run: a vgem write fence on an imported buffer holds its fill back
# until signalled; fakecam's own write fence is unsignalled at DQBUF with
# "Early Done" and signals after the fill latency, DQBUF waits for it
# without; STREAMOFF signals it with -ECANCELED; a read fence imported into
# an MMAP buffer's export holds the fill back, and does not with the
# test-only fence_wait=N. fence_timeout_ms is raised above the hold.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-fences
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
params=/sys/module/fakecam/parameters

v4l2-ctl -d "$cam" --set-fmt-video="width=640,height=480,pixelformat=XR24" ||
	fail "setting the format"
v4l2-ctl -d "$cam" -l | grep -E "fill_latency_us|early_done"
v4l2-ctl -d "$cam" -l | grep -qE "fill_latency_us .*int.*min=0 max=1000000.*default=0" ||
	fail "no control fill_latency_us (0..1000000, default 0)"
v4l2-ctl -d "$cam" -l | grep -qE "early_done .*bool.*default=0" ||
	fail "no control early_done (bool, default 0)"
# V4L2 clamps an integer control to its range.
v4l2-ctl -d "$cam" -c fill_latency_us=1000001 || fail "setting fill_latency_us"
[ "$(v4l2-ctl -d "$cam" -C fill_latency_us)" = "fill_latency_us: 1000000" ] ||
	fail "fill_latency_us=1000001 not clamped to 1000000"
v4l2-ctl -d "$cam" -c fill_latency_us=0 || fail "resetting fill_latency_us"
pass "controls fill_latency_us and early_done"
[ "$(cat $params/fence_wait)" = Y ] || fail "fence_wait is not Y by default"

echo 10000 >"$params/fence_timeout_ms" || fail "cannot set fence_timeout_ms"
"$tool" vgem-delay "$cam" || fail "vgem-delay"
pass "a vgem fence on an imported buffer delays its fill"
"$tool" own-fence "$cam" 300000 || fail "own-fence"
pass "fakecam's write fence: unsignalled at DQBUF with early done, signalled at buffer-done"
"$tool" streamoff "$cam" || fail "streamoff"
pass "STREAMOFF signals the outstanding fence with an error"
"$tool" read-fence "$cam" || fail "read-fence"
pass "a read fence imported into an MMAP buffer delays its fill"
echo N >"$params/fence_wait" || fail "cannot set fence_wait"
"$tool" read-fence "$cam" --no-wait || fail "read-fence --no-wait"
echo Y >"$params/fence_wait"
pass "with fence_wait=N the same buffer is filled at once (negative control)"

stats=$(cat /sys/kernel/debug/fakecam/0/stats)
echo "$stats"
published=$(sed -n 's/^fences_published //p' <<<"$stats")
signalled=$(sed -n 's/^fences_signalled //p' <<<"$stats")
[ "$published" -gt 0 ] && [ "$published" = "$signalled" ] ||
	fail "fences published $published, signalled $signalled"
pass "every published fence signalled ($published)"
