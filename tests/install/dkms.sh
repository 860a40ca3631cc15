#!/bin/bash
# DKMS as a user runs it (tools/dkms-install), in a private DKMS tree:
# dkms add and dkms build for one kernel ($DMABUF_KREL), then the
# DKMS-built fakecam.ko and fakedisp.ko, and nothing else, are booted in a
# VM of that kernel and pass modules-load-unload there. Optional argument:
# the kernel's build tree, for a kernel whose headers are not in
# /lib/modules (the debug kernel), or "sid" for sid's kernel, whose headers,
# gcc and dkms are in the sid chroot: dkms-install runs in there.
set -u
kdir=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

opts=(--tree "$tmp/dkms" --build-only --kernel "$DMABUF_KREL")
[ -z "$kdir" ] || [ "$kdir" = sid ] || opts+=(--kernel-dir "$kdir")
dkms_install() {
	if [ "$kdir" != sid ]; then
		"$DMABUF_SRC/tools/dkms-install" "$@"
		return
	fi
	# As tools/kbuild enters the chroot: a private mount namespace with
	# /proc, the source and the temporary tree at their own paths.
	unshare -m --propagation private bash -euo pipefail -c '
		root=$1 src=$2 tmp=$3
		shift 3
		mount -t proc proc "$root/proc"
		for p in "$src" "$tmp"; do
			mkdir -p "$root$p"
			mount --bind "$p" "$root$p"
		done
		chroot "$root" "$src/tools/dkms-install" "$@"
	' dkms "$("$DMABUF_SRC/tools/sid-chroot" --path)" "$DMABUF_SRC" "$tmp" "$@"
}
start=$(date +%s)
dkms_install "${opts[@]}" >"$tmp/dkms.log" 2>&1 || {
	cat "$tmp/dkms.log"
	fail "tools/dkms-install ${opts[*]} failed"
}
grep -q "dmabuf-interop/[0-9.]*, $DMABUF_KREL, x86_64: built" "$tmp/dkms.log" || {
	cat "$tmp/dkms.log"
	fail "dkms status does not say the package is built for $DMABUF_KREL"
}
echo "PASS: dkms add + dkms build for $DMABUF_KREL in $(($(date +%s) - start)) s"

# vmrun loads modules from BUILD/kmod/RELEASE; give it a tree with the two
# DKMS-built modules alone, where modules-load-unload reloads them from.
kmod=$tmp/build/kmod/$DMABUF_KREL/kernel
mkdir -p "$kmod/exporter" "$kmod/importer"
for m in exporter/fakecam importer/fakedisp; do
	name=$(basename "$m")
	ko=$(find "$tmp/dkms/dkms" -path "*/$DMABUF_KREL/*" -name "$name.ko*" -print -quit)
	[ -n "$ko" ] || fail "no $name.ko for $DMABUF_KREL in the DKMS tree"
	case "$ko" in
	*.xz) xz -dc "$ko" >"$kmod/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$kmod/$m.ko" ;;
	*) cp "$ko" "$kmod/$m.ko" ;;
	esac
	[ "$(modinfo -F vermagic "$kmod/$m.ko" | cut -d' ' -f1)" = "$DMABUF_KREL" ] ||
		fail "the DKMS $name.ko is not built for $DMABUF_KREL"
	# The same module as the tree's own build: the same parameters.
	[ "$(modinfo -F parm "$kmod/$m.ko")" = "$(modinfo -F parm "$DMABUF_BUILD/kmod/$DMABUF_KREL/kernel/$m.ko")" ] ||
		fail "the DKMS $name.ko has other parameters than build/kmod's"
done
echo "PASS: DKMS built fakecam.ko and fakedisp.ko with vermagic $DMABUF_KREL"

"$DMABUF_SRC/tools/vmrun" --quiet --kernel "$DMABUF_KREL" --build "$tmp/build" \
	--modules fakecam,fakedisp --log "$DMABUF_BUILD/vm-logs/$DMABUF_KREL/dkms-guest.log" \
	-- "$DMABUF_SRC/tests/vm/harness/modules-load-unload.sh" ||
	fail "the DKMS-built modules failed modules-load-unload on $DMABUF_KREL"
echo "PASS: the DKMS-built modules load, unload and reload on $DMABUF_KREL"
