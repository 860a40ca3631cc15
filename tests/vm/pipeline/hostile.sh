#!/bin/bash
# A hostile client (tools/hostile-client): garbage bytes, a pipe instead of
# a dma-buf, 253 fds on a POOL declaring 2, a POOL part declaring 300 fds, a
# RELEASE of a buffer the pool does not have, buffers smaller than the
# declared layout. Each connection is dropped with an ERROR naming the fault
# (and a log line saying so); the consumer stays up, leaks no fd, and then
# serves a good producer.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/pipeline/tools/hostile-client
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "fakecam is not loaded"

start_consumer "$PIPE_DIR/c" --json --producers 7 --stats-interval 0
fds_before=$(ls /proc/"$CONSUMER_PID"/fd | wc -l)
"$tool" "$SOCK" "$cam" || fail "the consumer did not name every fault"
sleep 0.5
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer died"
fds_after=$(ls /proc/"$CONSUMER_PID"/fd | wc -l)
[ "$fds_before" = "$fds_after" ] ||
	{ ls -l /proc/"$CONSUMER_PID"/fd; fail "consumer fds: $fds_before before, $fds_after after"; }
echo "== the consumer's log"
cat "$PIPE_DIR/c.err"
[ "$(grep -c 'dropping producer' "$PIPE_DIR/c.err")" = 6 ] || fail "expected 6 dropped producers"
echo "  consumer fds: $fds_before before the faults, $fds_after after"

echo "== a good producer afterwards"
"$APPS/producer" --socket "$SOCK" --format XR24 --size 640x480 --frames 60 --fps max \
	--pattern stamp --json --stats-interval 0 >"$PIPE_DIR/p" 2>"$PIPE_DIR/p.err" ||
	{ cat "$PIPE_DIR/p" "$PIPE_DIR/p.err"; fail "the good producer failed"; }
wait "$CONSUMER_PID" || { cat "$PIPE_DIR/c" "$PIPE_DIR/c.err"; fail "consumer failed"; }
expect_pass "$PIPE_DIR/p" producer
expect_pass "$PIPE_DIR/c" consumer
[ "$(json_get "$PIPE_DIR/c" producers_dropped)" = 6 ] || fail "consumer summary: dropped $(json_get "$PIPE_DIR/c" producers_dropped)"
[ "$(json_get "$PIPE_DIR/c" verified)" = 60 ] || fail "consumer verified $(json_get "$PIPE_DIR/c" verified) of 60"
echo "  consumer: 6 producers dropped, then 60 frames verified; verdict PASS"
for _ in $(seq 20); do grep -q fakecam /sys/kernel/debug/dma_buf/bufinfo || break; sleep 0.1; done
expect_no_fakecam_dmabuf
expect_modules_unload
