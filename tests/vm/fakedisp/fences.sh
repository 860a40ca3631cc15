#!/bin/bash
# fakedisp and dma-fences (tools/fakedisp-fences; see its header): a vgem
# write fence on the buffer of a flip holds it until signalled (implicit
# sync), IN_FENCE_FD on the primary plane and on an overlay, OUT_FENCE_PTR
# signalling with the flip event at the vblank that latches the commit (and
# with a commit turning the CRTC off); then a fence that never signals with
# fence_timeout_ms=1000: bounded, counted, logged, the display works on;
# then fakedisp unloaded while a commit waits for such a fence with no
# bound (fence_timeout_ms=0): the wait ends, the commit's out-fence
# signals, the unload is quick (6.8+: the test needs CLOSEFB).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-fences
param=/sys/module/fakedisp/parameters/fence_timeout_ms
[ -x "$tool" ] || fail "$tool is not built"
[ "$(cat "$param")" = 5000 ] || fail "fence_timeout_ms is $(cat "$param"), not the default 5000"

run() {
	echo "== fakedisp-fences $*"
	"$tool" "$@" || fail "fakedisp-fences $*"
}

run implicit
run in-fence
run out-fence

echo 1000 >"$param" || fail "cannot set fence_timeout_ms"
run timeout
msg=$(dmesg | grep -E 'in-fence vgem:unbound seqno [0-9]+ not signalled after 1000 ms' | head -2)
[ "$(echo "$msg" | grep -c 'PLANE')" -eq 2 ] || fail "no kernel message for each timeout: '$msg'"
echo "$msg"
pass "each timeout logged with the plane and the fence's driver and timeline"
cat /sys/kernel/debug/fakedisp/fences

echo 0 >"$param"
ready=/tmp/fakedisp-fences.ready
rm -f "$ready"
echo "== fakedisp-fences unload (in the background)"
"$tool" unload --ready "$ready" &
pid=$!
for _ in $(seq 300); do
	[ -e "$ready" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -e "$ready" ]; then
	wait "$pid"
	rc=$?
	[ "$rc" -eq 77 ] || fail "fakedisp-fences unload exited $rc before it was ready"
	expect_rmmod fakedisp
	pass "implicit, IN_FENCE_FD, OUT_FENCE_PTR, the bound (no unload check on $DMABUF_KREL)"
	exit 0
fi
cat /sys/kernel/debug/fakedisp/fences
t0=$(date +%s%N)
expect_rmmod fakedisp
ms=$((($(date +%s%N) - t0) / 1000000))
wait "$pid" || fail "fakedisp-fences unload"
echo "rmmod fakedisp took $ms ms"
dmesg | grep -q '1 in-fence waits ended by the device going away' ||
	fail "fakedisp did not end the pending wait at unload"
pass "unloaded in $ms ms while a commit waited for a fence that never signals"
