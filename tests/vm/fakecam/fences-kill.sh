#!/bin/bash
# kill -9 of a process streaming with "Early Done" and fences outstanding
# (fakecam-fences kill), MMAP buffers and then vgem buffers: every fence
# the process handed out signals, the outstanding ones with an error; the
# stats count as many signalled as published; then rmmod fakecam must
# succeed. vmrun fails the run on any kernel report (lockdep, KASAN,
# kmemleak after the command on the debug kernel).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-fences
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"

v4l2-ctl -d "$cam" --set-fmt-video="width=640,height=480,pixelformat=XR24" ||
	fail "setting the format"
"$tool" kill "$cam" || fail "kill, MMAP buffers"
pass "kill -9 with MMAP buffers: every fence signalled"
"$tool" kill "$cam" --dmabuf || fail "kill, vgem buffers"
pass "kill -9 with vgem buffers: every fence signalled"

stats=$(cat /sys/kernel/debug/fakecam/0/stats)
echo "$stats"
published=$(sed -n 's/^fences_published //p' <<<"$stats")
signalled=$(sed -n 's/^fences_signalled //p' <<<"$stats")
errors=$(sed -n 's/^fences_signalled_error //p' <<<"$stats")
[ "$published" -gt 0 ] && [ "$published" = "$signalled" ] ||
	fail "fences published $published, signalled $signalled"
[ "$errors" -ge 2 ] || fail "fences signalled with an error: $errors, not at least 2"
pass "published $published, signalled $signalled, with an error $errors"

# The last references (a vgem dma-buf the generator put, a fence in it) go
# through the kernel's delayed fput: give them a moment.
for _ in $(seq 50); do
	[ "$(cat /sys/module/fakecam/refcnt)" = 0 ] && break
	sleep 0.1
done
expect_rmmod fakecam
pass "rmmod fakecam"
