#!/bin/bash
# Sessions at their edges:
#   - verdicts: a consumer whose only client never spoke is not PASS;
#   - signals: SIGTERM ends the consumer within a second while it waits,
#     during a handshake, while streaming, and the producer while it waits
#     for a consumer that never answers and while streaming;
#   - socket safety: of two consumers started at once on one path exactly
#     one listens, the other says why; a socket or lock file of another uid
#     at the path is refused with a message;
#   - fan-out: one producer to three consumers (each of two fakedisp
#     devices, and one --no-display), the last killed with -9 mid-stream:
#     the others verify every frame;
#   - afterwards nothing is left in either module, and both unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

stalled=$DMABUF_BUILD/tests/vm/pipeline/tools/stalled-client
cam=$(video_by_driver fakecam) || fail "fakecam is not loaded"
producer=("$APPS/producer" --device "$cam" --format XR24 --size 640x480 --pattern stamp
	--json --stats-interval 0)

# ends_within_1s PID WHAT: SIGTERM, then the process must be gone within 1 s.
ends_within_1s() {
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$1"
	for _ in $(seq 20); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	t1=$(date +%s%N)
	kill -0 "$1" 2>/dev/null && fail "$2: still running 1 s after SIGTERM"
	wait "$1"
	LAST_STATUS=$?
	echo "  $2: ended $(((t1 - t0) / 1000000)) ms after SIGTERM, exit status $LAST_STATUS"
}

echo "== verdict: the only client never spoke"
start_consumer "$PIPE_DIR/v" --json --stats-interval 0 --handshake-timeout 1
"$stalled" silent "$SOCK" - 5 || fail "the silent client was not dropped"
ends_within_1s "$CONSUMER_PID" "consumer after a silent client"
[ "$LAST_STATUS" = 1 ] || fail "the consumer exited $LAST_STATUS, not 1"
[ "$(json_get "$PIPE_DIR/v" verdict)" = FAIL ] || fail "verdict $(json_get "$PIPE_DIR/v" verdict)"
[ "$(json_get "$PIPE_DIR/v" producers)" = 0 ] || fail "the silent client counted as a producer"
echo "  verdict FAIL: $(json_get "$PIPE_DIR/v" reason)"

echo "== SIGTERM in every state"
start_consumer "$PIPE_DIR/s1" --json --stats-interval 0
ends_within_1s "$CONSUMER_PID" "consumer waiting for producers"
start_consumer "$PIPE_DIR/s2" --json --stats-interval 0
"$stalled" silent "$SOCK" - 5 >/dev/null &
spid=$!
sleep 0.5
ends_within_1s "$CONSUMER_PID" "consumer in a handshake"
wait "$spid"
start_consumer "$PIPE_DIR/s3" --json --stats-interval 0
"${producer[@]}" --socket "$SOCK" --fps 60 >"$PIPE_DIR/s3p" 2>&1 &
ppid=$!
wait_imports 4 || fail "no stream started"
ends_within_1s "$CONSUMER_PID" "consumer streaming (flips pending)"
grep -q '"producers_ended_ok"' "$PIPE_DIR/s3" || fail "the consumer printed no summary"
wait "$ppid"
grep -m1 'ended the session' "$PIPE_DIR/s3p" || { cat "$PIPE_DIR/s3p"; fail "the producer did not see the consumer's BYE"; }
expect_no_fakecam_dmabuf
rm -f "$SOCK"
"$stalled" mute-consumer "$SOCK" &
mpid=$!
sleep 0.3
"${producer[@]}" --socket "$SOCK" >"$PIPE_DIR/s4p" 2>&1 &
ppid=$!
sleep 0.5
ends_within_1s "$ppid" "producer waiting for the consumer's HELLO"
kill "$mpid"
wait "$mpid" 2>/dev/null
rm -f "$SOCK"
start_consumer "$PIPE_DIR/s5" --json --stats-interval 0
"${producer[@]}" --socket "$SOCK" --fps 60 >"$PIPE_DIR/s5p" 2>&1 &
ppid=$!
wait_imports 4 || fail "no stream started"
ends_within_1s "$ppid" "producer streaming"
sleep 0.3
kill -0 "$CONSUMER_PID" || fail "the consumer died with the producer"
grep -m1 'done:' "$PIPE_DIR/s5" "$PIPE_DIR/s5.err" || fail "the consumer did not end the session"
ends_within_1s "$CONSUMER_PID" "consumer after its producer left"
expect_no_fakecam_dmabuf

echo "== socket safety"
"$APPS/consumer" --socket "$PIPE_DIR/race" --no-display --stats-interval 0 >"$PIPE_DIR/r1" 2>&1 &
r1=$!
"$APPS/consumer" --socket "$PIPE_DIR/race" --no-display --stats-interval 0 >"$PIPE_DIR/r2" 2>&1 &
r2=$!
sleep 1
alive=0
for pid in $r1 $r2; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
[ "$alive" = 1 ] || { cat "$PIPE_DIR/r1" "$PIPE_DIR/r2"; fail "$alive of two consumers on one path are running"; }
grep -h 'another consumer holds' "$PIPE_DIR/r1" "$PIPE_DIR/r2" ||
	fail "the losing consumer did not say why"
kill "$r1" "$r2" 2>/dev/null
wait "$r1" "$r2" 2>/dev/null
[ -e "$PIPE_DIR/race" ] && fail "the winner left its socket behind"
chmod 1777 "$PIPE_DIR"
setpriv --reuid=1000 --regid=1000 --clear-groups "$APPS/consumer" --socket "$PIPE_DIR/squat" \
	--no-display --stats-interval 0 >"$PIPE_DIR/sq" 2>&1 &
sq=$!
for _ in $(seq 50); do [ -S "$PIPE_DIR/squat" ] && break; sleep 0.1; done
kill -9 "$sq"
wait "$sq" 2>/dev/null
ls -ln "$PIPE_DIR/squat" "$PIPE_DIR/squat.lock" | sed 's/^/  /'
"$APPS/consumer" --socket "$PIPE_DIR/squat" --no-display >"$PIPE_DIR/sq1" 2>&1 &&
	fail "a consumer took a path whose lock file is another uid's"
grep -m1 'not a file of ours' "$PIPE_DIR/sq1" || { cat "$PIPE_DIR/sq1"; fail "no reason given"; }
rm -f "$PIPE_DIR/squat.lock"
"$APPS/consumer" --socket "$PIPE_DIR/squat" --no-display >"$PIPE_DIR/sq2" 2>&1 &&
	fail "a consumer replaced another uid's socket"
grep -m1 'is a socket of uid 1000' "$PIPE_DIR/sq2" || { cat "$PIPE_DIR/sq2"; fail "no reason given"; }
chmod 700 "$PIPE_DIR"

echo "== fan-out: one producer, three consumers, one killed mid-stream"
card1=$(ls /sys/devices/*/fakedisp.1/drm 2>/dev/null | grep '^card' | head -n 1)
[ -n "$card1" ] || fail "no second fakedisp card (fakedisp.devices=2)"
for c in a b k; do
	case $c in
	a) args=() ;;                          # the first fakedisp
	b) args=(--card "/dev/dri/$card1") ;;  # the second one
	k) args=(--no-display) ;;
	esac
	"$APPS/consumer" --socket "$PIPE_DIR/$c.sock" --producers 1 --json --stats-interval 0 \
		"${args[@]}" >"$PIPE_DIR/f$c" 2>"$PIPE_DIR/f$c.err" &
	eval "pid_$c=$!"
done
for c in a b k; do
	for _ in $(seq 100); do [ -S "$PIPE_DIR/$c.sock" ] && break; sleep 0.1; done
done
"${producer[@]}" --socket "$PIPE_DIR/a.sock" --socket "$PIPE_DIR/b.sock" \
	--socket "$PIPE_DIR/k.sock" --fps 60 --frames 600 >"$PIPE_DIR/fp" 2>"$PIPE_DIR/fp.err" &
ppid=$!
wait_imports 4 || fail "fakedisp did not import the 4 buffers"
pfn_proof 4 || fail "pfn hashes differ: not the same pages"
echo "  the second fakedisp imported the same pages:"
awk '$2=="import" && $6=="fakecam" {print $4, $5}' /sys/kernel/debug/fakedisp.1/buffers >"$PIPE_DIR/pfn.imp"
cam_exports >"$PIPE_DIR/pfn.exp"
pfn_proof 4 || fail "pfn hashes differ on the second display: not the same pages"
sleep 1
kill -9 "$pid_k" || { cat "$PIPE_DIR/fk" "$PIPE_DIR/fk.err" "$PIPE_DIR/fp.err"; fail "consumer k ended before it was killed"; }
wait "$pid_k" 2>/dev/null
wait "$ppid" || { cat "$PIPE_DIR/fp" "$PIPE_DIR/fp.err"; fail "the producer failed"; }
wait "$pid_a" || { cat "$PIPE_DIR/fa.err"; fail "consumer a failed"; }
wait "$pid_b" || { cat "$PIPE_DIR/fb.err"; fail "consumer b failed"; }
expect_pass "$PIPE_DIR/fp" producer
[ "$(json_get "$PIPE_DIR/fp" consumers_dropped)" = 1 ] ||
	fail "producer: consumers dropped $(json_get "$PIPE_DIR/fp" consumers_dropped), expected 1"
for c in a b; do
	expect_pass "$PIPE_DIR/f$c" "consumer $c"
	[ "$(json_get "$PIPE_DIR/f$c" verified)" = 600 ] ||
		fail "consumer $c verified $(json_get "$PIPE_DIR/f$c" verified) of 600"
done
grep -m1 'dropping consumer' "$PIPE_DIR/fp.err" || fail "the producer did not say it dropped one"
echo "  producer: $(json_get "$PIPE_DIR/fp" sent) frames to 3 consumers, 1 dropped;" \
	"consumers a and b (two fakedisp cards) verified 600 each; $(json_get "$PIPE_DIR/fp" release_order)"
expect_no_fakecam_dmabuf
grep -v '^id' /sys/kernel/debug/fakedisp/buffers | grep -q . &&
	{ cat /sys/kernel/debug/fakedisp/buffers; fail "fakedisp still holds buffers"; }
pass "verdicts, signals, socket safety and fan-out"
expect_modules_unload
