#!/bin/bash
# Fences end to end (issue 12), at one size (argument, default 640x480).
# fakecam runs with "Early Done" on and a fill latency of FILL_US: every
# buffer reaches the producer, and the consumer, before it is written, its
# write fence still unsignalled. Each run streams FRAMES frames and checks:
#   - both verdicts PASS, the consumer verified every frame, none unchecked;
#   - the sync mode both sides agreed is the one asked for;
#   - fakedisp counted no bad stamp, bad checksum, or frame rewritten while
#     on screen, although with fences the consumer releases a buffer when
#     it commits the next frame, a vblank or more before that frame is on
#     screen (the commit waits for the acquire fence first): only the
#     release fences keep the camera off it;
#   - the fences were real: in explicit sync the consumer found acquire
#     fences pending when their frames came, in protocol sync the producer
#     waited for frames to be written before it sent them.
# Explicit sync runs in XR24 and NV12, camera- and display-allocated;
# implicit and protocol sync once, each against a peer that offers more.
# The negative control: the same explicit run with fakecam's fence wait
# off (fence_wait=0, test only) must make fakedisp count rewritten frames.
# Then kill -9 of each app with fences outstanding: every fakecam fence
# signals, nothing is left, both modules unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

size=${1:-640x480}
FRAMES=90
FILL_US=6000 # more than a vblank at 240 Hz: each commit waits for its fence
cam=$(video_by_driver fakecam | head -n 1)
[ -n "$cam" ] || fail "no fakecam video node"
stats=/sys/kernel/debug/fakecam/0/stats
param=/sys/module/fakecam/parameters/fence_wait
[ -w "$param" ] || fail "fakecam has no $param"

cam_stat() { sed -n "s/^$1 \([0-9]*\)$/\1/p" "$stats"; }
bad_frames() { echo $(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten))); }

v4l2-ctl -d "$cam" -c early_done=1,fill_latency_us=$FILL_US || fail "cannot set fakecam's fence controls"

# run NAME FMT BUFMODE PRODUCER_SYNC CONSUMER_SYNC AGREED [PRODUCER ARGS...]:
# one stream; the summaries in $PIPE_DIR/NAME.{producer,consumer}.
run() {
	local name=$1 fmt=$2 bufmode=$3 psync=$4 csync=$5 agreed=$6
	local out=$PIPE_DIR/$name pargs=() cargs=() ppid
	shift 6
	pargs=("$@")
	echo "== $name: $FRAMES frames $size $fmt, $bufmode, producer --sync $psync, consumer --sync $csync" \
		"($(v4l2-ctl -d "$cam" -C early_done,fill_latency_us | tr '\n' ' '))"
	if [ "$bufmode" = display-allocates ]; then
		pargs+=(--display-allocates)
		cargs=(--format "$fmt" --mode "$size")
	fi
	start_consumer "$out.consumer" --producers 1 --json --stats-interval 0 --sync "$csync" "${cargs[@]}"
	"$APPS/producer" --socket "$SOCK" --format "$fmt" --size "$size" --frames $FRAMES \
		--fps 60 --pattern stamp --json --stats-interval 0 --sync "$psync" "${pargs[@]}" \
		>"$out.producer" 2>"$out.producer.err" &
	ppid=$!
	wait "$ppid" || { cat "$out.producer" "$out.producer.err" >&2; fail "$name: producer failed"; }
	wait "$CONSUMER_PID" || { cat "$out.consumer" "$out.consumer.err" >&2; fail "$name: consumer failed"; }
	[ "$(json_get "$out.producer" sync)" = "$agreed" ] ||
		fail "$name: producer used $(json_get "$out.producer" sync) sync, not $agreed"
	[ "$(json_get "$out.consumer" sync)" = "$agreed" ] ||
		fail "$name: consumer used $(json_get "$out.consumer" sync) sync, not $agreed"
	echo "  consumer: $(json_get "$out.consumer" verified) verified, $(json_get "$out.consumer" unchecked) unchecked," \
		"$(json_get "$out.consumer" shown) shown, $(json_get "$out.consumer" skipped) skipped," \
		"acquire fences pending on arrival $(json_get "$out.consumer" fence_waits)" \
		"(p50 $(json_get "$out.consumer" fence_wait_p50_us) us)," \
		"capture->flip p50 $(json_get "$out.consumer" p50_ms) ms"
	echo "  producer: unwritten at DQBUF $(json_get "$out.producer" unwritten), waits for the write" \
		"$(json_get "$out.producer" fence_waits), capture->release p50 $(json_get "$out.producer" p50_ms) ms"
}

# expect_clean NAME: PASS, every frame verified, nothing on screen rewritten.
expect_clean() {
	local out=$PIPE_DIR/$1
	expect_pass "$out.producer" "$1: producer"
	expect_pass "$out.consumer" "$1: consumer"
	[ "$(json_get "$out.consumer" verified)" = $FRAMES ] ||
		fail "$1: consumer verified $(json_get "$out.consumer" verified) of $FRAMES frames"
	[ "$(json_get "$out.consumer" unchecked)" = 0 ] || fail "$1: frames released unchecked"
}

for bufmode in pool display-allocates; do
	for fmt in XR24 NV12; do
		name=explicit-$fmt-$bufmode
		before=$(bad_frames)
		run "$name" "$fmt" "$bufmode" explicit auto explicit
		expect_clean "$name"
		[ "$(bad_frames)" = "$before" ] || { cat /sys/kernel/debug/fakedisp/scanout; fail "$name: fakedisp saw bad or rewritten frames"; }
		[ "$(json_get "$PIPE_DIR/$name.consumer" fence_waits)" -gt 0 ] ||
			fail "$name: no acquire fence was ever pending: the camera wrote before DQBUF"
		pass "$name: every frame verified, none rewritten on screen"
	done
done

before=$(bad_frames)
run implicit XR24 pool implicit auto implicit
expect_clean implicit
[ "$(bad_frames)" = "$before" ] || fail "implicit: fakedisp saw bad or rewritten frames"
pass "implicit sync: every frame verified, none rewritten on screen"

before=$(bad_frames)
run protocol XR24 pool auto protocol protocol
expect_clean protocol
[ "$(bad_frames)" = "$before" ] || fail "protocol: fakedisp saw bad or rewritten frames"
[ "$(json_get "$PIPE_DIR/protocol.producer" fence_waits)" -gt 0 ] ||
	fail "protocol: the producer never waited for a frame to be written"
pass "protocol sync against an explicit-sync producer: frames sent once written"

# The negative control. Two buffers and a camera that never waits for its
# frame interval: the buffer a commit releases is the next one the camera
# fills, right when the frame being committed is written, a vblank before
# the flip that takes the released one off screen. Only its release fence
# keeps the camera off it: first with fakecam's wait (clean), then without
# (fence_wait=0), when fakedisp must count frames rewritten on screen.
tight=(--buffers 2 --fps max)
before=$(bad_frames)
run tight XR24 pool explicit explicit explicit "${tight[@]}"
expect_clean tight
[ "$(bad_frames)" = "$before" ] || { cat /sys/kernel/debug/fakedisp/scanout; fail "tight: fakedisp saw bad or rewritten frames"; }
pass "two buffers, unthrottled: the release fences alone keep every frame intact on screen"
echo 0 >"$param"
before=$(($(scanout_get rewritten)))
run negative XR24 pool explicit explicit explicit "${tight[@]}"
echo 1 >"$param"
rewritten=$(($(scanout_get rewritten) - before))
echo "  fakedisp: $rewritten frames rewritten while on screen"
[ "$rewritten" -gt 0 ] || fail "negative control: fakecam ignored the release fences and fakedisp saw nothing"
pass "negative control: without fakecam's fence wait fakedisp counts $rewritten rewritten frames"

# kill -9 with fences outstanding (a long fill holds each write fence).
v4l2-ctl -d "$cam" -c fill_latency_us=200000 || fail "cannot set fill_latency_us"
for victim in producer consumer; do
	echo "== kill -9 of the $victim with fences outstanding"
	start_consumer "$PIPE_DIR/kill-$victim.consumer" --json --stats-interval 0 --sync explicit
	"$APPS/producer" --socket "$SOCK" --format XR24 --size "$size" --fps 30 --pattern stamp \
		--json --stats-interval 0 --sync explicit >"$PIPE_DIR/kill-$victim.producer" 2>&1 &
	ppid=$!
	wait_imports 4 || fail "fakedisp never imported the 4 buffers"
	sleep 1
	if [ $victim = producer ]; then kill -9 $ppid; else kill -9 "$CONSUMER_PID"; fi
	sleep 1
	kill -TERM $ppid "$CONSUMER_PID" 2>/dev/null
	wait $ppid "$CONSUMER_PID" 2>/dev/null
	expect_no_fakecam_dmabuf
	[ "$(cam_stat fences_published)" = "$(cam_stat fences_signalled)" ] ||
		{ cat "$stats"; fail "kill -9 of the $victim: fakecam fences left unsignalled"; }
	pass "kill -9 of the $victim: every fence signalled ($(cam_stat fences_published) published), no dma-buf left"
done
v4l2-ctl -d "$cam" -c early_done=0,fill_latency_us=0
expect_modules_unload
