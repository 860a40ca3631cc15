#!/bin/bash
# fakedisp's device does direct DMA over all of memory: in a guest with
# memory above 4 GiB (this scenario's MEMORY), buffers with pages up there
# hash the same through fakedisp's DMA addresses as through their page
# frames: a test exporter's buffer (against its own hash and pagemap's) and
# fakecam's (fakedisp-import compares with fakecam's debugfs). A swiotlb
# bounce buffer in between would be a hidden copy and show as a different
# hash.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tools=$DMABUF_BUILD/tests/vm/fakedisp/tools
[ -x "$tools/fakedisp-testexp" ] && [ -x "$tools/fakedisp-import" ] || fail "tools not built"
mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem" -gt 4096 ] || fail "the guest has $mem MiB: this check needs memory above 4 GiB"
"$tools/fakedisp-testexp" dma-direct || fail "fakedisp-testexp dma-direct"
"$tools/fakedisp-import" --source fakecam --size 1920x1080 --flips 4 --crc-entries 10 ||
	fail "fakedisp-import --source fakecam with $mem MiB"
expect_rmmod fakedisp
expect_rmmod fakedisp_testexp
pass "direct DMA with $mem MiB: pfn hashes equal for pages above 4 GiB"
