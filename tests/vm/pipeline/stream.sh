#!/bin/bash
# producer -> consumer, 300 frames in XR24 and in NV12 at one size (second
# argument, default 640x480), at 120 fps against fakedisp's 240 Hz (so that
# the run lasts seconds and almost every frame is shown), in one buffer mode
# (first argument): pool
# (fds once, the default), fd-per-frame, or display-allocates (fakedisp dumb
# buffers queued to fakecam as V4L2_MEMORY_DMABUF). For each run:
#   - both apps' verdicts PASS, the consumer verified all 300 frames;
#   - release order held on both sides (no RELEASE of a buffer not in
#     flight, no QBUF before its RELEASE, releases in display order);
#   - fakedisp's scanout counted no bad stamp, bad checksum or rewritten
#     frame (the camera never wrote into a buffer on screen);
#   - zero copy: each buffer's pfn hash in the importer equals the
#     exporter's (fakedisp imports fakecam's buffers in modes pool and
#     fd-per-frame; fakecam imports fakedisp's dumb buffers in
#     display-allocates);
#   - afterwards no fakecam dma-buf is left.
# Finally both modules unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

mode=${1:-pool}
size=${2:-640x480}
FRAMES=300
case "$mode" in
pool) pargs=() ;;
fd-per-frame) pargs=(--fd-per-frame) ;;
display-allocates) pargs=(--display-allocates) ;;
*) fail "unknown mode $mode" ;;
esac

[ -r /sys/kernel/debug/fakedisp/scanout ] || fail "fakedisp is not loaded (no scanout counters)"
[ -d /sys/kernel/debug/fakecam ] || fail "fakecam is not loaded"
runs=0

run() {
	local fmt=$1 size=$2 out=$PIPE_DIR/$1-$2 before_bad after_bad shown ppid cargs=()

	echo "== $mode: $FRAMES frames $size $fmt"
	before_bad=$(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
	shown=$(scanout_get stamped_ok)
	[ "$mode" = display-allocates ] && cargs=(--format "$fmt" --mode "$size")
	start_consumer "$out.consumer" --producers 1 --json --stats-interval 0 "${cargs[@]}"
	"$APPS/producer" --socket "$SOCK" --format "$fmt" --size "$size" --frames $FRAMES \
		--fps 120 --pattern stamp --json --stats-interval 0 "${pargs[@]}" \
		>"$out.producer" 2>"$out.producer.err" &
	ppid=$!
	case "$mode" in
	pool)
		wait_imports 4 || fail "fakedisp never imported the 4 buffers"
		pfn_proof 4 || fail "pfn hashes differ: not the same pages"
		;;
	fd-per-frame)
		wait_imports 1 || fail "fakedisp never imported a buffer"
		pfn_proof 1 || fail "pfn hashes differ: not the same pages"
		;;
	display-allocates)
		wait_imports 4 display-exports || fail "fakecam never mapped the 4 dumb buffers"
		pfn_proof 4 display-exports || fail "pfn hashes differ: not the same pages"
		;;
	esac
	wait "$ppid" || { cat "$out.producer" "$out.producer.err" >&2; fail "producer failed"; }
	wait "$CONSUMER_PID" || { cat "$out.consumer" "$out.consumer.err" >&2; fail "consumer failed"; }
	expect_pass "$out.producer" producer
	expect_pass "$out.consumer" consumer
	[ "$(json_get "$out.consumer" verified)" = $FRAMES ] ||
		fail "consumer verified $(json_get "$out.consumer" verified) of $FRAMES frames"
	[ "$(json_get "$out.producer" sent)" = $FRAMES ] || fail "producer sent $(json_get "$out.producer" sent)"
	{ [ "$(json_get "$out.producer" out_of_order)" = 0 ] && [ "$(json_get "$out.consumer" out_of_order)" = 0 ]; } ||
		fail "releases out of display order"
	after_bad=$(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
	[ "$after_bad" = "$before_bad" ] || { cat /sys/kernel/debug/fakedisp/scanout; fail "fakedisp saw bad frames"; }
	[ "$(scanout_get stamped_ok)" -gt "$shown" ] || fail "fakedisp scanned no stamped frame"
	echo "  consumer: $(json_get "$out.consumer" frames) frames, $(json_get "$out.consumer" verified) verified," \
		"$(json_get "$out.consumer" fps) fps, imports $(json_get "$out.consumer" imports)," \
		"GEM handles closed $(json_get "$out.consumer" gem_handles_closed)"
	echo "  producer: release order $(json_get "$out.producer" release_order)"
	echo "  fakedisp: scanned frames with a good stamp +$(($(scanout_get stamped_ok) - shown)), bad +0"
	expect_no_fakecam_dmabuf
	runs=$((runs + 1))
}

for fmt in XR24 NV12; do
	run "$fmt" "$size"
done
[ "$runs" = 2 ] || fail "only $runs of 2 runs completed"
pass "$mode: XR24 and NV12 at $size, $FRAMES frames each"
expect_modules_unload
