#!/bin/bash
# exp_info.owner = THIS_MODULE: while a process holds an exported dma-buf
# (imported into vgem too) `rmmod fakecam` fails with "in use", even with the
# video node closed; once the holder lets go, the exporter sees vgem detach
# before the release, the buffer is freed, and rmmod succeeds.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakecam/tools/fakecam-expbuf
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "no fakecam video node"
events=/sys/kernel/debug/fakecam/events
fifo=/tmp/fakecam-hold.fifo
out=/tmp/fakecam-hold.out

rm -f "$fifo" "$out"
mkfifo "$fifo"
"$tool" hold "$cam" --vgem <"$fifo" >"$out" &
holder=$!
exec 3>"$fifo"
for _ in $(seq 100); do
	grep -q "^held ino=" "$out" && break
	sleep 0.2
done
ino=$(sed -n 's/^held ino=\([0-9]*\)$/\1/p' "$out")
[ -n "$ino" ] || fail "the holder did not export a buffer"
grep -q "dmabuf ino=$ino " /sys/kernel/debug/fakecam/0/buffers ||
	fail "debugfs does not list the held dma-buf"

msg=$(rmmod fakecam 2>&1) && fail "rmmod fakecam succeeded while ino $ino is held"
grep -q "in use" <<<"$msg" || fail "rmmod failed for another reason: $msg"
pass "rmmod refused while the dma-buf is held: $msg"

exec 3>&-
wait "$holder" || fail "the holder failed"
detach=$(grep -n "op=detach .*ino=$ino peer=vgem" "$events" | cut -d: -f1 | tail -1)
release=$(grep -n "op=release .*ino=$ino " "$events" | cut -d: -f1 | tail -1)
{ [ -n "$detach" ] && [ -n "$release" ]; } || { cat "$events" >&2; fail "no detach or release event"; }
[ "$detach" -lt "$release" ] || fail "release (line $release) came before detach (line $detach)"
pass "vgem detached (event $detach) before the release (event $release)"
grep "ino=$ino " "$events"

expect_rmmod fakecam
pass "rmmod fakecam after the last reference went away"
