#!/bin/bash
# producer -> consumer with buffers of several planes (issue 13), at one
# size (first argument, default 640x480; 30 fps), fakecam.devices=2 mplane=0,1:
# camera 0 single-planar, camera 1 multi-planar. Runs:
#   - NV12 and NV21 on the multi-planar camera: NV12M/NV21M, a dma-buf per
#     plane, so 2 fds per buffer and 8 dma-bufs in the pool;
#   - YUV420 (three planes in one buffer) on both cameras;
#   - NV12M with its pool of dma-heap or udmabuf buffers (--allocator heap,
#     udmabuf), where the kernel has them (SKIP and why where not).
# For each run, every frame verified byte for byte on both sides, and:
#   - both verdicts PASS, release order held, fakedisp saw no bad frame;
#   - zero copy in the kernel: for every dma-buf of the pool, the pfn hash
#     of the sg_table fakedisp mapped equals the exporter's (fakecam's
#     pages, or the one fakecam mapped for a heap buffer);
#   - zero copy from user space: producer and consumer --pfn-proof print, per
#     dma-buf, the hash of the frames their own mapping shows in
#     /proc/self/pagemap, and each equals fakecam's for that inode (heap
#     and udmabuf mappings can be VM_PFNMAP: the apps say so, and then
#     every line of the pool must say so);
#   - no dma-buf is left after the apps exit.
# Finally both modules unload.
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

size=${1:-640x480}
case "$size" in
640x480) FRAMES=120 ;;
*) FRAMES=30 ;; # every byte checked three times a frame under TCG
esac
[ -r /sys/kernel/debug/fakedisp/scanout ] || fail "fakedisp is not loaded (no scanout counters)"
single=$(fakecam_node 0) || fail "fakecam camera 0 has no video node"
mplane=$(fakecam_node 1) || fail "fakecam camera 1 has no video node (fakecam.devices=2?)"
v4l2-ctl -d "$mplane" --info | grep -q "Video Capture Multiplanar" ||
	fail "$mplane is not multi-planar (fakecam.mplane=0,1?)"

# "ino pfn_hash" of every fakecam buffer and of every import fakecam mapped:
# what the apps' pagemap hashes are compared with.
cam_hashes() {
	cam_exports
	cam_imports
}

# user_proof OUT APP WANT ALLOC: APP's --pfn-proof lines in OUT.err, each
# hash equal to fakecam's for its inode; WANT of them proven, or, for a heap
# or udmabuf pool (ALLOC), none and every line saying why (no frames in
# pagemap). fakecam's own buffers must always be proven.
user_proof() {
	local out=$1 app=$2 want=$3 may_skip=0
	[ "$4" = camera ] || may_skip=1
	grep "^$app: pfn-proof:" "$out.err" >"$PIPE_DIR/user.$app" ||
		fail "$app printed no --pfn-proof line"
	awk -v app="$app" -v want="$want" -v may_skip="$may_skip" 'NR==FNR {h[$1]=$2; next}
		$9 == "none:" { none++; printf "  %s buffer %s fd %s ino %s: %s\n", app, $4, $6, $8,
				 substr($0, index($0, "none:")); next }
		{ st = ($8 in h) ? (h[$8] == $11 ? "equal" : "DIFFERENT") : "unknown to fakecam"
		  if (st == "equal") ok++; else bad++
		  printf "  %s buffer %s fd %s ino %-6s pagemap %s  fakecam %s  %s\n", app, $4, $6, $8, $11, h[$8], st }
		END { printf "  %s: %d of %d dma-bufs with the pagemap hash equal to fakecam'\''s%s\n",
			      app, ok, ok + bad + none, none ? " (" none " not provable from user space)" : ""
		      exit (bad || (ok != want && !(may_skip && ok == 0 && none == want))) }' \
		"$PIPE_DIR/pfn.cam" "$PIPE_DIR/user.$app" ||
		fail "$app: the pages it maps are not fakecam's"
}

run() {
	local node=$1 fmt=$2 fds=$3 alloc=$4 out=$PIPE_DIR/$2-$4-$(basename "$1") bad shown ppid want exp
	want=$((4 * fds))
	echo "== $node: $FRAMES frames $size $fmt, $fds fd(s) a buffer, allocator $alloc"
	bad=$(scanout_bad)
	shown=$(scanout_get stamped_ok)
	start_consumer "$out.consumer" --producers 1 --json --stats-interval 0 --verify full --pfn-proof
	"$APPS/producer" --socket "$SOCK" --device "$node" --allocator "$alloc" --format "$fmt" \
		--size "$size" --frames $FRAMES --fps 30 --verify full --pfn-proof --json \
		--stats-interval 0 >"$out.producer" 2>"$out.producer.err" &
	ppid=$!
	# The kernel's proof: what fakedisp mapped against the pages' owner.
	case $alloc in
	camera) exp=fakecam ;;
	heap) exp=system ;;
	*) exp=$alloc ;;
	esac
	# While the stream runs: 30 fps makes it last 4 s at 640x480, long
	# enough on the debug kernel, where each try here costs a second or so
	# (and the setup of 8 dma-bufs with the apps' pagemap reads more than
	# the 10 s other scenarios wait).
	for _ in $(seq 300); do
		disp_imports_of "$exp" >"$PIPE_DIR/pfn.imp"
		cam_hashes >"$PIPE_DIR/pfn.cam"
		[ "$(wc -l <"$PIPE_DIR/pfn.imp")" -ge "$want" ] &&
			[ "$(wc -l <"$PIPE_DIR/pfn.cam")" -ge "$want" ] && break
		sleep 0.1
	done
	cp "$PIPE_DIR/pfn.cam" "$PIPE_DIR/pfn.exp"
	pfn_proof "$want" || {
		cat "$out.producer.err" "$out.consumer.err" /sys/kernel/debug/fakedisp/buffers >&2
		fail "$fmt: fakedisp did not map the pages fakecam has"
	}
	wait "$ppid" || { cat "$out.producer" "$out.producer.err" >&2; fail "producer failed"; }
	wait "$CONSUMER_PID" || { cat "$out.consumer" "$out.consumer.err" >&2; fail "consumer failed"; }
	user_proof "$out.producer" producer "$want" "$alloc"
	user_proof "$out.consumer" consumer "$want" "$alloc"
	expect_verified_run "$out" $FRAMES "$bad" "$shown"
	for _ in $(seq 100); do
		grep -qE " (fakecam|system|udmabuf) " /sys/kernel/debug/dma_buf/bufinfo || return 0
		sleep 0.1
	done
	cat /sys/kernel/debug/dma_buf/bufinfo
	fail "dma-bufs left after the apps exited"
}

run "$mplane" NV12 2 camera
run "$mplane" NV21 2 camera
run "$mplane" YU12 1 camera
run "$single" YU12 1 camera
for alloc in heap udmabuf; do
	case $alloc in
	heap) dev=/dev/dma_heap/system config=CONFIG_DMABUF_HEAPS_SYSTEM ;;
	udmabuf) dev=/dev/udmabuf config=CONFIG_UDMABUF ;;
	esac
	if [ -e "$dev" ]; then
		run "$mplane" NV12 2 "$alloc"
	else
		echo "SKIP: NV12M from $alloc: $dev does not exist: kernel $(uname -r) is built without $config"
	fi
done
pass "planes: NV12M, NV21M and YUV420 at $size, $FRAMES frames each, every dma-buf proven shared"
expect_modules_unload
