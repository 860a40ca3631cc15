#!/bin/bash
# Both project modules are loaded by vmrun, register their devices, and
# unload cleanly (importer first, as a display goes before its sources).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

for m in fakecam fakedisp; do
	grep -q "^$m " /proc/modules || fail "$m is not loaded"
done
cam=$(video_by_driver fakecam) || fail "no V4L2 device with driver fakecam"
card=$(card_by_driver fakedisp) || fail "no DRM card with driver fakedisp"
pass "fakecam at $cam, fakedisp at $card on $(uname -r)"

expect_rmmod fakedisp
expect_rmmod fakecam
for m in fakecam fakedisp; do
	! grep -q "^$m " /proc/modules || fail "$m still loaded after rmmod"
done
[ ! -e "$cam" ] || [ "$(video_by_driver fakecam)" = "" ] || fail "$cam still present"
pass "both modules unloaded"

# And they load again on a fresh start.
ko_dir=$DMABUF_BUILD/kmod/$DMABUF_KREL/kernel
insmod "$ko_dir/exporter/fakecam.ko" || fail "reloading fakecam failed"
insmod "$ko_dir/importer/fakedisp.ko" || fail "reloading fakedisp failed"
expect_rmmod fakedisp
expect_rmmod fakecam
pass "reload and unload again"
