#!/bin/bash
# The consumer as a compositor (fakecam.devices=4, fakedisp with its
# overlay planes):
#   - four producers at once, four formats and sizes, on four planes: every
#     frame verified, each producer's release order held, zero copy for
#     each (pfn hashes), fakedisp's scanout counted stamped frames on each
#     of the four planes and no bad frame on any;
#   - stalled peers: a client that sends nothing, one that stops after
#     half a POOL, one that sends FRAMEs and never reads its RELEASEs, each
#     dropped within its timeout with the reason, while two good producers
#     keep their frame rate (within 10% of the same run without them);
#   - afterwards nothing is left in either module, and both unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

stalled=$DMABUF_BUILD/tests/vm/pipeline/tools/stalled-client
[ -x "$stalled" ] || fail "$stalled is not built"
read -r -a cams <<<"$(videos_by_driver fakecam | tr "\n" " ")"
[ "${#cams[@]}" -ge 4 ] || fail "expected 4 fakecam devices, found ${#cams[@]}"
planes=$(modetest -M fakedisp -p 2>/dev/null | grep -c '^[0-9]')
[ "$planes" -ge 4 ] || fail "fakedisp offers $planes planes, the test needs 4"

# producer NAME CAMERA FORMAT SIZE FRAMES [ARGS...]: in the background.
producer() {
	local name=$1 cam=$2 fmt=$3 size=$4 frames=$5
	shift 5
	"$APPS/producer" --socket "$SOCK" --device "$cam" --format "$fmt" --size "$size" \
		--frames "$frames" --pattern stamp --json --stats-interval 0 "$@" \
		>"$PIPE_DIR/$name" 2>"$PIPE_DIR/$name.err" &
	PIDS+=($!)
}

wait_all() {
	local pid
	for pid in "${PIDS[@]}"; do
		wait "$pid" || { tail -n 5 "$PIPE_DIR"/*.err >&2; fail "a producer failed"; }
	done
	PIDS=()
}

bad_frames() {
	echo $(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
}

echo "== four producers on four planes"
bad=$(bad_frames)
start_consumer "$PIPE_DIR/c4" --producers 4 --mode 640x480 --json --stats-interval 0
PIDS=()
producer p0 "${cams[0]}" XR24 640x480 240 --fps 30
producer p1 "${cams[1]}" NV12 320x240 240 --fps 30
producer p2 "${cams[2]}" YUYV 320x240 240 --fps 30
producer p3 "${cams[3]}" XR24 160x120 240 --fps 30
wait_imports 16 || { cat "$PIPE_DIR/c4.err"; fail "fakedisp did not import the 16 buffers"; }
pfn_proof 16 || fail "pfn hashes differ: not the same pages"
wait_all
wait "$CONSUMER_PID" || { cat "$PIPE_DIR/c4" "$PIPE_DIR/c4.err"; fail "consumer failed"; }
for p in p0 p1 p2 p3; do
	expect_pass "$PIPE_DIR/$p" "producer $p"
	[ "$(json_get "$PIPE_DIR/$p" out_of_order)" = 0 ] || fail "$p: releases out of order"
	echo "  $p: $(json_get "$PIPE_DIR/$p" format) $(json_get "$PIPE_DIR/$p" size)," \
		"release order $(json_get "$PIPE_DIR/$p" release_order)"
done
expect_pass "$PIPE_DIR/c4" consumer
[ "$(json_get "$PIPE_DIR/c4" verified)" = 960 ] ||
	fail "the consumer verified $(json_get "$PIPE_DIR/c4" verified) of 960 frames"
grep -c 'pool of' "$PIPE_DIR/c4" "$PIPE_DIR/c4.err" | grep -q ':4$' ||
	{ cat "$PIPE_DIR/c4.err"; fail "not every producer got a plane"; }
[ "$(bad_frames)" = "$bad" ] || { cat /sys/kernel/debug/fakedisp/scanout; fail "fakedisp saw bad frames"; }
# Per plane: each of the four showed stamped frames, none bad.
sed 's/^/  /' /sys/kernel/debug/fakedisp/planes
awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["stamped_ok"] > 0) good++; bad += f["bad_stamp"] + f["bad_checksum"] + f["rewritten"] }
	END { exit !(good >= 4 && bad == 0) }' /sys/kernel/debug/fakedisp/planes ||
	fail "fakedisp's per-plane counters: not four planes with good frames and none bad"
echo "  consumer: 960 frames verified, $(json_get "$PIPE_DIR/c4" shown) shown in" \
	"$(json_get "$PIPE_DIR/c4" commits) commits, $(json_get "$PIPE_DIR/c4" skipped) skipped"
expect_no_fakecam_dmabuf

# two_good NAME [STALLED MODES...]: two producers at 10 fps, 80 frames each
# (a rate TCG keeps whatever the host's load, so that only a consumer held
# up by a peer can lower it; 8 s, longer than the stalled clients last),
# with the stalled clients at the same time; prints the lower producer fps.
two_good() {
	local name=$1 mode cam pid spids=()
	shift
	start_consumer "$PIPE_DIR/$name" --producers 2 --mode 640x480 --handshake-timeout 2 --json \
		--stats-interval 0
	PIDS=()
	producer "$name-a" "${cams[0]}" XR24 640x480 80 --fps 10
	producer "$name-b" "${cams[1]}" NV12 320x240 80 --fps 10
	for mode in "$@"; do
		cam=${cams[2]} # silent exports nothing, half-pool one buffer
		[ "$mode" = no-read ] && cam=${cams[3]}
		"$stalled" "$mode" "$SOCK" "$cam" 20 >"$PIPE_DIR/$name-$mode" 2>&1 &
		spids+=($!)
	done
	wait_all
	for pid in "${spids[@]}"; do
		wait "$pid" || { cat "$PIPE_DIR/$name"-*; fail "a stalled client was not dropped as it should"; }
	done
	wait "$CONSUMER_PID" || { cat "$PIPE_DIR/$name" "$PIPE_DIR/$name.err"; fail "consumer failed"; }
	expect_pass "$PIPE_DIR/$name" consumer
	expect_pass "$PIPE_DIR/$name-a" producer
	expect_pass "$PIPE_DIR/$name-b" producer
	awk -v a="$(json_get "$PIPE_DIR/$name-a" fps)" -v b="$(json_get "$PIPE_DIR/$name-b" fps)" \
		'BEGIN { print (a < b ? a : b) }'
}

echo "== stalled peers beside two good producers"
base=$(two_good base)
with=$(two_good stalled silent half-pool no-read)
for mode in silent half-pool no-read; do
	echo "  $(cat "$PIPE_DIR/stalled-$mode")"
done
grep -m1 'does not read its RELEASEs' "$PIPE_DIR/stalled.err" ||
	fail "the consumer did not say why it dropped the client that does not read"
[ "$(json_get "$PIPE_DIR/stalled" producers_dropped)" = 3 ] ||
	fail "consumer: dropped $(json_get "$PIPE_DIR/stalled" producers_dropped), expected 3"
echo "  lower producer frame rate: $base fps alone, $with fps beside the stalled clients"
awk -v b="$base" -v w="$with" 'BEGIN { exit !(w >= 0.9 * b) }' ||
	fail "the good producers slowed down by more than 10% ($base -> $with fps)"
expect_no_fakecam_dmabuf
grep -v '^id' /sys/kernel/debug/fakedisp/buffers | grep -q . &&
	{ cat /sys/kernel/debug/fakedisp/buffers; fail "fakedisp still holds buffers"; }
pass "four producers on four planes; stalled peers dropped, the good ones unhindered"
expect_modules_unload
