#!/bin/bash
# The demo, inside the VM (tools/demo boots it): fakecam captures, the
# producer lends its buffers over a UNIX socket, the consumer checks and
# shows them on fakedisp, zero copy, and both sides prove it.
#   1. the two devices as the standard tools see them;
#   2. two producers into one consumer for a few seconds: a 1920x1080 XR24
#      camera on the primary plane and a 640x480 NV12 camera on an overlay
#      beside it, their live statistics once a second, then the summaries;
#   3. the zero-copy proof: for each buffer, the pfn hash of fakecam's pages
#      equals the pfn hash of the sg_table fakedisp imported;
#   4. the release-order verdict (the apps' ledgers, fakedisp's scanout
#      counters) and a PNG of the screen, both cameras on it, in $DMABUF_OUT.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

SECONDS_TO_RUN=${DEMO_SECONDS:-5}
out=${DMABUF_OUT:-/tmp}
png=$out/frame.png

read -r -a cams <<<"$(videos_by_driver fakecam | tr "\n" " ")"
[ "${#cams[@]}" -ge 2 ] || fail "two fakecam devices expected (fakecam.devices=2)"
card=$(card_by_driver fakedisp) || fail "fakedisp is not loaded"
echo "== devices: fakecam at ${cams[*]}, fakedisp at $card ($(uname -r))"
v4l2-ctl -d "${cams[0]}" --list-formats | grep -E "^\s+\[" || true
modetest -M fakedisp -c 2>/dev/null | sed -n '1,4p' || true
modetest -M fakedisp -p 2>/dev/null | grep -E '^[0-9]+' | sed 's/^/  plane /' || true

echo
echo "== two cameras -> one consumer for $SECONDS_TO_RUN s: 1920x1080 XR24 on the primary plane," \
	"640x480 NV12 on an overlay at 1240,40 (live statistics once a second)"
rm -f "$png"
# The first half second (pipeline filling) stays out of the latency figures.
start_consumer "$PIPE_DIR/consumer.log" --producers 2 --layout 1240,40 --snapshot "$png" \
	--warmup 15
"$APPS/producer" --socket "$SOCK" --device "${cams[0]}" --format XR24 --size 1920x1080 --fps 30 \
	--pattern full --warmup 15 >"$PIPE_DIR/producer.log" 2>&1 &
producer_pid=$!
wait_imports 4 || fail "fakedisp did not import the first producer's buffers"
"$APPS/producer" --socket "$SOCK" --device "${cams[1]}" --format NV12 --size 640x480 --fps 30 \
	--pattern full --warmup 15 --stats-interval 0 >"$PIPE_DIR/producer2.log" 2>&1 &
producer2_pid=$!
tail -q -n +1 -f --pid="$CONSUMER_PID" "$PIPE_DIR/consumer.log" "$PIPE_DIR/consumer.log.err" \
	"$PIPE_DIR/producer.log" &
tail_pid=$!

sleep 2
echo
echo "== zero copy: pfn hashes of each buffer, fakecam's pages vs fakedisp's import (while streaming)"
wait_imports 8 || fail "fakedisp did not import the producers' buffers"
pfn_proof 8 >"$PIPE_DIR/pfn" || { cat "$PIPE_DIR/pfn"; fail "pfn hashes differ: not the same pages"; }
cat "$PIPE_DIR/pfn"
echo

sleep $((SECONDS_TO_RUN > 2 ? SECONDS_TO_RUN - 2 : 1))
# The first producer leaves first: the consumer's snapshot shows both.
kill -INT "$producer_pid" # the producer stops, waits for its buffers, says BYE
wait "$producer_pid"
producer_status=$?
kill -INT "$producer2_pid"
wait "$producer2_pid" || producer_status=$?
wait "$CONSUMER_PID"
consumer_status=$?
sleep 0.3
kill "$tail_pid" 2>/dev/null
wait "$tail_pid" 2>/dev/null

echo
echo "== fakedisp's scanout counters (every frame on screen read and its stamp checked)"
grep -E "^(vblanks|scanned|stamped_ok|bad_stamp|bad_checksum|rewritten|last_seq):" \
	/sys/kernel/debug/fakedisp/scanout

bad=$(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
echo
echo "== release order"
grep -h "release_order" "$PIPE_DIR/producer.log" "$PIPE_DIR/producer2.log" "$PIPE_DIR/consumer.log"
echo "fakedisp: $bad frames with a bad stamp, a bad checksum or rewritten while on screen"
echo
echo "== snapshot: $png ($(stat -c %s "$png" 2>/dev/null || echo 0) bytes)"
expect_no_fakecam_dmabuf
echo "every fakecam dma-buf released once both apps were done"

echo
if [ "$producer_status" = 0 ] && [ "$consumer_status" = 0 ] && [ "$bad" = 0 ] && [ -s "$png" ] &&
	grep -q "verdict: PASS" "$PIPE_DIR/producer.log" && grep -q "verdict: PASS" "$PIPE_DIR/producer2.log" &&
	grep -q "verdict: PASS" "$PIPE_DIR/consumer.log"; then
	echo "== verdict: PASS (same pages on both sides, every frame checked, release order held)"
else
	fail "producer status $producer_status, consumer status $consumer_status, $bad bad frames"
fi
