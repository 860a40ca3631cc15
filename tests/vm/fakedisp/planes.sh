#!/bin/bash
# fakedisp's planes, on every display of devices=$1 (what this scenario
# loads fakedisp with): tools/fakedisp-planes on each card in turn (four
# planes, CRC against lib/compose's blend, refusals, per-plane counters;
# see its header); the cards and debugfs folders are distinct, and the
# displays independent: a second card's commits leave the first card's
# counters alone. Then rmmod fakedisp.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

devices=${1:?the devices= fakedisp was loaded with}
tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-planes
[ -x "$tool" ] || fail "$tool is not built"

dirs=$(ls -d /sys/kernel/debug/fakedisp /sys/kernel/debug/fakedisp.[0-9] 2>/dev/null | wc -l)
[ "$dirs" -eq "$devices" ] || fail "$dirs fakedisp debugfs folders for devices=$devices"
modetest -M fakedisp -p >/dev/null || fail "modetest -M fakedisp"
pass "devices=$devices: $dirs debugfs folders"

for ((d = 0; d < devices; d++)); do
	before=$(sed -n 's/^scanned: //p' /sys/kernel/debug/fakedisp/scanout)
	echo "== fakedisp-planes -d $d"
	"$tool" -d "$d" || fail "fakedisp-planes -d $d"
	after=$(sed -n 's/^scanned: //p' /sys/kernel/debug/fakedisp/scanout)
	if [ "$d" -gt 0 ]; then
		[ "$after" = "$before" ] || fail "card $d's commits changed card 0's counters"
		pass "card $d is independent of card 0 (its scanned stays $after)"
	fi
done
cat /sys/kernel/debug/fakedisp/planes

expect_rmmod fakedisp
pass "rmmod fakedisp"

ko=$(find "$DMABUF_BUILD/kmod/$DMABUF_KREL" -name fakedisp.ko -print -quit)
[ -n "$ko" ] || fail "fakedisp.ko is not built for $DMABUF_KREL"
for bad in devices=0 devices=5 overlays=8; do
	out=$(insmod "$ko" "$bad" 2>&1) && fail "insmod fakedisp $bad succeeded"
	echo "$out" | grep -qE "Invalid (argument|parameters)" || fail "insmod fakedisp $bad: $out"
	[ ! -e /sys/kernel/debug/fakedisp ] || fail "insmod fakedisp $bad left its debugfs folder"
	pass "insmod fakedisp $bad: EINVAL"
done
insmod "$ko" devices=3 overlays=0 || fail "insmod fakedisp devices=3 overlays=0"
for d in fakedisp fakedisp.1 fakedisp.2; do
	grep -qx "planes: 2" "/sys/kernel/debug/$d/scanout" || fail "$d: not a primary and a cursor plane"
done
[ "$(modetest -M fakedisp -p | grep -c 'formats: XR24 AR24 NV12 YUYV NV21 NV16 YU12 RG16')" -eq 1 ] ||
	fail "overlays=0: modetest lists more than the primary plane"
expect_rmmod fakedisp
pass "devices=3 overlays=0: three displays of a primary and a cursor plane each; rmmod"
