#!/bin/bash
# The seed walkthrough: insmod fakecam; a process holds one exported buffer
# (its video node closed, only the dma-buf fd left); `rmmod fakecam` fails
# "in use"; the frame is read through mmap bracketed by DMA_BUF_IOCTL_SYNC;
# the fd is closed; the release shows in fakecam's event log; rmmod succeeds.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/pipeline/tools/hold-buffer
ko=$DMABUF_BUILD/kmod/$DMABUF_KREL/kernel/exporter/fakecam.ko
[ -x "$tool" ] || fail "$tool is not built"
[ -f "$ko" ] || fail "$ko is not built"
dir=$(mktemp -d /tmp/seed.XXXXXX)

# vmrun loaded fakecam (and its V4L2 dependencies); start from insmod.
rmmod fakecam 2>/dev/null
echo "== insmod $ko"
insmod "$ko" || fail "insmod fakecam"
cam=$(video_by_driver fakecam) || fail "fakecam registered no video node"
echo > /sys/kernel/debug/fakecam/events

mkfifo "$dir/cmd"
"$tool" "$cam" <"$dir/cmd" >"$dir/out" 2>&1 &
pid=$!
exec 3>"$dir/cmd"
for _ in $(seq 100); do
	grep -q holding "$dir/out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
grep holding "$dir/out" || { cat "$dir/out"; fail "hold-buffer did not export a buffer"; }
ino=$(sed -n 's/.* ino \([0-9]*\) .*/\1/p' "$dir/out")

echo "== rmmod fakecam while the dma-buf lives"
if rmmod fakecam 2>"$dir/rmmod"; then
	fail "rmmod fakecam succeeded while a dma-buf was held"
fi
cat "$dir/rmmod"
grep -q "in use" "$dir/rmmod" || fail "rmmod failed, but not with 'in use'"
grep "ino=$ino" /sys/kernel/debug/fakecam/*/buffers || fail "fakecam's buffer list lacks ino $ino"

echo "== read the frame through mmap"
echo read >&3
for _ in $(seq 50); do
	grep -q "^read:" "$dir/out" && break
	sleep 0.1
done
grep "^read:" "$dir/out"
grep -q "^read: frame" "$dir/out" || fail "the mapped read failed"
grep -E "op=(begin_cpu|end_cpu|mmap) .*ino=$ino" /sys/kernel/debug/fakecam/events ||
	fail "no mmap / begin_cpu / end_cpu events for ino $ino"

echo "== close the fd"
echo close >&3
exec 3>&-
wait $pid || fail "hold-buffer failed"
for _ in $(seq 20); do
	grep -q "op=release .*ino=$ino" /sys/kernel/debug/fakecam/events && break
	sleep 0.1
done
grep "op=release .*ino=$ino" /sys/kernel/debug/fakecam/events ||
	fail "no release event for ino $ino"
grep -q fakecam /sys/kernel/debug/dma_buf/bufinfo && fail "a fakecam dma-buf is still listed"

echo "== rmmod fakecam"
expect_rmmod fakecam
pass "seed walkthrough: in use while held, SYNC-bracketed read, release traced, rmmod succeeds"
