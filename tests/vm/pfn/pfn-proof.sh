#!/bin/bash
# The zero-copy proof from user space: for each source (fakecam's exports,
# fakedisp's dumb buffers, the system dma-heap, udmabuf, vgem) the hash of
# the page frames this process maps, read from /proc/self/pagemap
# (lib/pagemap.c), equals fakecam's and fakedisp's own hash of the same
# dma-buf in debugfs, and the other buffer's differs (tools: pfn-proof.c).
# A source this kernel lacks (6.1: no dma-heap, no udmabuf) or a mapping
# pagemap cannot show (VM_PFNMAP) prints "SKIP: <why>"; the rest runs.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/pfn/pfn-proof
[ -x "$tool" ] || fail "$tool is not built"
[ "$(id -u)" -eq 0 ] || fail "reading PFNs from /proc/self/pagemap needs root"

# DMA-API debug (the debug kernel) prints its first error only, and the
# exporters with a known one (CMakeLists.txt: udmabuf, the system heap) go
# last, so that a report of ours comes before theirs.
skipped=()
for source in fakecam dumb vgem udmabuf heap; do
	rc=0
	out=$("$tool" "$source" 2>&1) || rc=$?
	echo "$out"
	case $rc in
	0) grep -q "^PASS: $source:" <<<"$out" || fail "$source: exit 0 without its PASS line" ;;
	77) grep -q "^SKIP: $source: " <<<"$out" || fail "$source: skipped without saying why"
		skipped+=("$source") ;;
	*) fail "$source: pfn-proof exited $rc" ;;
	esac
done

# fakecam's and fakedisp's own buffers map page by page (vm_map_pages,
# vm_insert_page), which pagemap shows: never a SKIP.
for source in "${skipped[@]}"; do
	case $source in
	fakecam | dumb) fail "$source was skipped" ;;
	esac
done
pass "pfn-proof: user-space pagemap hashes equal the drivers' (skipped: ${skipped[*]:-none})"
