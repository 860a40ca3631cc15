#!/bin/bash
# A hostile client (tools/hostile-client): garbage bytes, a pipe instead of
# a dma-buf, 253 fds on a POOL declaring 2, a POOL part declaring 300 fds, a
# RELEASE of a buffer the pool does not have, buffers smaller than the
# declared layout; and POOLs of an fd per plane (version 2, issue 13): a plane
# whose offset + size runs 4096 bytes past its dma-buf, one dma-buf for two
# planes that overlap in it, and plane counts that are not the format's (NV12
# of 1 plane, XRGB8888 of 2, with one fd and with an fd per plane), and a
# good one from a peer whose HELLO did not offer an fd per plane. Each
# connection is dropped with an ERROR whose text names the fault (and a log
# line saying so, checked here for the new ones); the consumer stays up,
# leaks no fd, and then serves a good producer. Two more clients lend one
# dma-buf twice: as two buffers, and as both planes of an NV12 buffer that
# touch without overlapping (allowed): one GEM handle each time, closed once
# (imports 4, handles closed 2), and nothing left in fakedisp. A producer
# running as another uid is refused (SO_PEERCRED) and told why.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/pipeline/tools/hostile-client
[ -x "$tool" ] || fail "$tool is not built"
cam=$(video_by_driver fakecam) || fail "fakecam is not loaded"

start_consumer "$PIPE_DIR/c" --json --producers 15 --stats-interval 0
fds_before=$(find /proc/"$CONSUMER_PID"/fd -mindepth 1 | wc -l)
"$tool" "$SOCK" "$cam" || fail "the consumer did not name every fault"
sleep 0.5
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer died"
fds_after=$(find /proc/"$CONSUMER_PID"/fd -mindepth 1 | wc -l)
[ "$fds_before" = "$fds_after" ] ||
	{ ls -l /proc/"$CONSUMER_PID"/fd; fail "consumer fds: $fds_before before, $fds_after after"; }
echo "== the consumer's log"
cat "$PIPE_DIR/c.err"
[ "$(grep -c 'dropping producer' "$PIPE_DIR/c.err")" = 13 ] || fail "expected 13 dropped producers"
# The consumer's own words for the faults of an fd per plane and of plane counts.
for fault in \
	"DI_ERR_FD_SIZE: POOL buffer 0 plane 1: fd [0-9]* holds [0-9]* bytes, the layout needs" \
	"DI_ERR_LAYOUT: POOL buffer 0: planes 0 and 1 are one file (inode [0-9]*) and overlap in it" \
	"DI_ERR_LAYOUT: POOL layout: NV12 has 2 plane(s), layout declares 1" \
	"DI_ERR_LAYOUT: POOL layout: XRGB8888 has 1 plane(s), layout declares 2" \
	"DI_ERR_FIELD: POOL has an fd per plane, but HELLO did not agree on it"; do
	grep -q "dropping producer pid [0-9]*: $fault" "$PIPE_DIR/c.err" ||
		fail "the consumer did not log: $fault"
done
[ "$(grep -c 'layout declares' "$PIPE_DIR/c.err")" = 4 ] ||
	fail "expected 4 plane-count faults in the consumer's log"
echo "  consumer fds: $fds_before before the faults, $fds_after after"
for _ in $(seq 20); do grep -qv '^id' /sys/kernel/debug/fakedisp/buffers || break; sleep 0.1; done
if grep -v '^id' /sys/kernel/debug/fakedisp/buffers | grep -q .; then
	cat /sys/kernel/debug/fakedisp/buffers
	fail "fakedisp still holds buffers after the hostile clients"
fi
grep -q "GEM handles still open" "$PIPE_DIR/c.err" && fail "the consumer left GEM handles open"
echo "  fakedisp holds no buffer after the hostile clients"

echo "== a producer of another uid (SO_PEERCRED), with the socket opened to everyone"
chmod 755 "$PIPE_DIR"
chmod 666 "$SOCK" "$cam"
if setpriv --reuid=1000 --regid=1000 --clear-groups "$APPS/producer" --socket "$SOCK" \
	--device "$cam" --size 640x480 --frames 10 --stats-interval 0 >"$PIPE_DIR/u" 2>&1; then
	fail "a producer of uid 1000 was served by a consumer of uid 0"
fi
grep -m1 "refused peer" "$PIPE_DIR/u" || { cat "$PIPE_DIR/u"; fail "the refused producer was not told why"; }
grep -m1 "refused peer" "$PIPE_DIR/c.err" || fail "the consumer did not log the refusal"
chmod 600 "$SOCK"
chmod 660 "$cam"

echo "== a good producer afterwards"
"$APPS/producer" --socket "$SOCK" --format XR24 --size 640x480 --frames 60 --fps max \
	--pattern stamp --json --stats-interval 0 >"$PIPE_DIR/p" 2>"$PIPE_DIR/p.err" ||
	{ cat "$PIPE_DIR/p" "$PIPE_DIR/p.err"; fail "the good producer failed"; }
wait "$CONSUMER_PID" || { cat "$PIPE_DIR/c" "$PIPE_DIR/c.err"; fail "consumer failed"; }
expect_pass "$PIPE_DIR/p" producer
expect_pass "$PIPE_DIR/c" consumer
[ "$(json_get "$PIPE_DIR/c" producers_refused)" = 1 ] || fail "consumer summary: refused $(json_get "$PIPE_DIR/c" producers_refused)"
[ "$(json_get "$PIPE_DIR/c" producers_dropped)" = 13 ] || fail "consumer summary: dropped $(json_get "$PIPE_DIR/c" producers_dropped)"
[ "$(json_get "$PIPE_DIR/c" verified)" = 60 ] || fail "consumer verified $(json_get "$PIPE_DIR/c" verified) of 60"
imports=$(json_get "$PIPE_DIR/c" imports)
closed=$(json_get "$PIPE_DIR/c" gem_handles_closed)
# 2 (release's pool) + 2 (same-dmabuf, one handle) + 2 (plane-shared, one
# handle) + 4 (good producer) imports; 2 + 1 + 1 + 4 handles closed. The
# faulty fd-per-plane pools are refused before any import.
{ [ "$imports" = 10 ] && [ "$closed" = 8 ]; } || fail "imports $imports, GEM handles closed $closed (expected 10 and 8)"
echo "  consumer: 12 producers dropped, one dma-buf twice closed once, as two buffers and" \
	"as two planes (imports $imports, handles closed $closed), then 60 frames verified; verdict PASS"
expect_no_fakecam_dmabuf
expect_modules_unload
