#!/bin/bash
# Peers that die: kill -9 of the consumer mid-stream, then of the producer;
# kill -9 of a producer mid-stream while the consumer goes on to serve a
# second producer to the end. After each: fakedisp holds no buffer (every
# GEM handle closed, none twice: the consumer's imports equal its closed
# handles), no fakecam dma-buf is left in /sys/kernel/debug/dma_buf/bufinfo;
# then a consumer whose check fails (--verify full on stamp-only frames)
# names the frame, says FAIL and exits non-zero; finally both modules unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

[ -r /sys/kernel/debug/fakedisp/buffers ] || fail "fakedisp is not loaded"

# (an array, not a function: $! must be the producer's own pid for kill -9)
producer=("$APPS/producer" --socket "$SOCK" --format XR24 --size 640x480 --fps max
	--pattern stamp --json --stats-interval 0)

# wait_shown N: until fakedisp scanned N more frames than now (20 s).
wait_shown() {
	local want=$(($(scanout_get stamped_ok) + $1))
	for _ in $(seq 200); do
		[ "$(scanout_get stamped_ok)" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

# Nothing of the pipeline is left in either module (waits up to 5 s).
expect_all_released() {
	for _ in $(seq 50); do
		! grep -qv '^id' /sys/kernel/debug/fakedisp/buffers &&
			! grep -q fakecam /sys/kernel/debug/dma_buf/bufinfo && break
		sleep 0.1
	done
	if grep -v '^id' /sys/kernel/debug/fakedisp/buffers | grep -q .; then
		cat /sys/kernel/debug/fakedisp/buffers >&2
		tail -n 30 /sys/kernel/debug/fakedisp/events >&2
		tail -n 5 "$PIPE_DIR"/c* >&2
		fail "$1: fakedisp still holds buffers (a GEM handle leaked)"
	fi
	expect_no_fakecam_dmabuf
	echo "  $1: fakedisp holds no buffer, no fakecam dma-buf left"
}

echo "== kill -9 the consumer mid-stream, then the producer"
start_consumer "$PIPE_DIR/c1" --json
"${producer[@]}" >"$PIPE_DIR/p1" 2>"$PIPE_DIR/p1.err" &
ppid=$!
wait_shown 30 || fail "no frames shown"
kill -9 "$CONSUMER_PID"
wait "$CONSUMER_PID" 2>/dev/null
sleep 0.5
# The producer may already have noticed (its next send or receive fails).
if kill -0 "$ppid" 2>/dev/null; then
	kill -9 "$ppid"
	echo "  producer was still running: killed"
else
	echo "  producer noticed by itself: $(grep -m1 -o 'consumer went away' "$PIPE_DIR/p1.err" || true)"
fi
wait "$ppid" 2>/dev/null
expect_all_released "consumer and producer killed"

echo "== kill -9 a producer mid-stream; the consumer serves a second one"
start_consumer "$PIPE_DIR/c2" --json --producers 2 --stats-interval 0
"${producer[@]}" >"$PIPE_DIR/p2" 2>"$PIPE_DIR/p2.err" &
ppid=$!
wait_shown 30 || fail "no frames shown"
kill -9 "$ppid"
wait "$ppid" 2>/dev/null
expect_all_released "first producer killed, consumer still up"
kill -0 "$CONSUMER_PID" 2>/dev/null || fail "the consumer died with its producer"
"${producer[@]}" --frames 100 >"$PIPE_DIR/p3" 2>"$PIPE_DIR/p3.err" || {
	cat "$PIPE_DIR/p3" "$PIPE_DIR/p3.err"
	fail "the second producer failed"
}
wait "$CONSUMER_PID" || { cat "$PIPE_DIR/c2" "$PIPE_DIR/c2.err"; fail "consumer failed"; }
expect_pass "$PIPE_DIR/p3" "second producer"
expect_pass "$PIPE_DIR/c2" consumer
grep "went away" "$PIPE_DIR/c2.err" || { cat "$PIPE_DIR/c2.err" "$PIPE_DIR/c2"; fail "the consumer did not notice the killed producer"; }
imports=$(json_get "$PIPE_DIR/c2" imports)
closed=$(json_get "$PIPE_DIR/c2" gem_handles_closed)
[ "$imports" = "$closed" ] || fail "consumer imported $imports buffers but closed $closed handles"
echo "  consumer: producers $(json_get "$PIPE_DIR/c2" producers), imports $imports," \
	"GEM handles closed $closed, frames $(json_get "$PIPE_DIR/c2" frames)"
expect_all_released "second producer done"

echo "== a failing check: --verify full on stamp-only frames"
start_consumer "$PIPE_DIR/c4" --json --producers 1 --verify full --stats-interval 0
"${producer[@]}" --frames 20 >"$PIPE_DIR/p4" 2>"$PIPE_DIR/p4.err" ||
	{ cat "$PIPE_DIR/p4" "$PIPE_DIR/p4.err"; fail "the producer failed"; }
if wait "$CONSUMER_PID"; then
	cat "$PIPE_DIR/c4"
	fail "the consumer exited 0 although frames failed their check"
fi
[ "$(json_get "$PIPE_DIR/c4" verdict)" = FAIL ] || fail "the consumer's verdict is not FAIL"
[ "$(json_get "$PIPE_DIR/c4" failed)" = 20 ] || fail "failed frames: $(json_get "$PIPE_DIR/c4" failed), expected 20"
grep -m1 "failed its check" "$PIPE_DIR/c4.err" || fail "no message names the failing frame"
echo "  consumer: verdict FAIL, 20 frames failed, exit status non-zero"
expect_all_released "failing check"

expect_modules_unload
