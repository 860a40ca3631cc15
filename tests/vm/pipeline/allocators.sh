#!/bin/bash
# Buffers made by a third party (producer --allocator heap|udmabuf): the
# producer allocates the pool from /dev/dma_heap/system or from a memfd
# through /dev/udmabuf, queues it to fakecam as V4L2_MEMORY_DMABUF and lends
# it to the consumer, which imports it into fakedisp. Three parties share
# the pages. For each allocator, 120 frames in XR24 and in NV12 at 640x480:
#   - both apps' verdicts PASS, every frame verified, release order held;
#   - fakedisp's scanout saw no bad or rewritten frame;
#   - zero copy: for each of the 4 dma-bufs, the pfn hash of the sg_table
#     fakecam mapped equals the one fakedisp mapped (neither allocated it);
#   - no dma-buf of the allocator is left once the apps exit.
# A kernel without the allocator (Debian's 6.1 has neither) says SKIP and
# why; the scenario fails if every allocator was skipped on a kernel that
# should have them (6.12 and later).
. "$DMABUF_SRC/tests/vm/lib.sh"
. "$DMABUF_SRC/tests/vm/pipeline/pipeline-lib.sh"
set -u

FRAMES=120
[ -r /sys/kernel/debug/fakedisp/scanout ] || fail "fakedisp is not loaded (no scanout counters)"

# The dma-bufs of exporter $1 still alive (bufinfo lists each with its exporter name).
live_dmabufs() {
	grep -c " $1 " /sys/kernel/debug/dma_buf/bufinfo || true
}

run() {
	local alloc=$1 exp=$2 fmt=$3 out=$PIPE_DIR/$1-$3 bad shown ppid
	echo "== $alloc: $FRAMES frames 640x480 $fmt"
	bad=$(scanout_bad)
	shown=$(scanout_get stamped_ok)
	start_consumer "$out.consumer" --producers 1 --json --stats-interval 0 --verify full
	"$APPS/producer" --socket "$SOCK" --allocator "$alloc" --format "$fmt" --size 640x480 \
		--frames $FRAMES --fps 120 --verify full --json --stats-interval 0 \
		>"$out.producer" 2>"$out.producer.err" &
	ppid=$!
	# Both importers list the 4 buffers once fakecam wrote into each.
	for _ in $(seq 100); do
		cam_imports >"$PIPE_DIR/pfn.cam"
		disp_imports_of "$exp" >"$PIPE_DIR/pfn.disp"
		[ "$(wc -l <"$PIPE_DIR/pfn.cam")" -ge 4 ] && [ "$(wc -l <"$PIPE_DIR/pfn.disp")" -ge 4 ] && break
		sleep 0.1
	done
	awk 'NR==FNR {h[$1]=$2; next}
		{ st = ($1 in h) ? (h[$1] == $2 ? "equal" : "DIFFERENT") : "not imported by fakecam"
		  if (st == "equal") ok++; else bad++
		  printf "  dma-buf ino %-6s fakedisp pfn_hash %s  fakecam pfn_hash %s  %s\n", $1, $2, h[$1], st }
		END { printf "  %d of %d buffers with equal pfn hashes in both importers (zero copy)\n", ok, ok + bad
		      exit (bad || ok < 4) }' "$PIPE_DIR/pfn.cam" "$PIPE_DIR/pfn.disp" ||
		fail "$alloc $fmt: the importers did not map the same pages"
	wait "$ppid" || { cat "$out.producer" "$out.producer.err" >&2; fail "producer failed"; }
	wait "$CONSUMER_PID" || { cat "$out.consumer" "$out.consumer.err" >&2; fail "consumer failed"; }
	expect_verified_run "$out" $FRAMES "$bad" "$shown"
	for _ in $(seq 100); do
		[ "$(live_dmabufs "$exp")" = 0 ] && return 0
		sleep 0.1
	done
	cat /sys/kernel/debug/dma_buf/bufinfo
	fail "$alloc: $(live_dmabufs "$exp") dma-buf(s) of $exp left after the apps exited"
}

ran=0
for alloc in heap udmabuf; do
	case $alloc in
	heap) dev=/dev/dma_heap/system exp=system config=CONFIG_DMABUF_HEAPS_SYSTEM ;;
	udmabuf) dev=/dev/udmabuf exp=udmabuf config=CONFIG_UDMABUF ;;
	esac
	if [ ! -e "$dev" ]; then
		echo "SKIP: $alloc: $dev does not exist: kernel $(uname -r) is built without $config"
		continue
	fi
	for fmt in XR24 NV12; do
		run "$alloc" "$exp" "$fmt"
	done
	ran=$((ran + 1))
done
case $(uname -r) in
6.1.*) ;;
*) [ "$ran" = 2 ] || fail "only $ran of 2 allocators ran on $(uname -r)" ;;
esac
pass "allocators: $ran of 2 ran (XR24 and NV12, $FRAMES frames each, pfn hashes equal in both importers)"
expect_modules_unload
