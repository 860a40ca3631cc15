#!/bin/bash
# The struct device of a video node can be released well after
# video_unregister_device(): whoever still holds a reference decides, and
# CONFIG_DEBUG_KOBJECT_RELEASE (the debug kernel) delays every kobject
# release by 1 to 4 s to make that visible. fakecam must keep each camera
# until its release callback has run, and rmmod must not return before the
# last one did (the callback is module code). Two cameras, each opened and
# streamed, then rmmod; a KASAN use-after-free or a crash in the delayed
# release would show within the next 6 s. Then the module is loaded and
# removed once more.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

ko=$DMABUF_BUILD/kmod/$DMABUF_KREL/kernel/exporter/fakecam.ko
[ -f "$ko" ] || fail "no $ko"

stream_all() {
	local n count=0
	for n in /dev/video*; do
		v4l2-ctl -d "$n" --info 2>/dev/null | grep -qE "Driver name[[:space:]]*: fakecam$" ||
			continue
		v4l2-ctl -d "$n" --stream-mmap=2 --stream-count=3 --stream-to=/dev/null ||
			fail "streaming from $n"
		count=$((count + 1))
	done
	[ "$count" -eq 2 ] || fail "expected 2 fakecam nodes, found $count"
}

# No kernel report in the 6 s after an unload, and how long rmmod took.
unload() {
	local start took
	dmesg -C
	start=$(date +%s%N)
	expect_rmmod fakecam
	took=$((($(date +%s%N) - start) / 1000000))
	sleep 6
	# The debug kernel says when it releases each kobject, and how late.
	dmesg | grep -E "'video[0-9]+'.*delayed" || true
	if dmesg | grep -E "KASAN|BUG:|general protection|Oops"; then
		fail "$1: the kernel reported an error after rmmod"
	fi
	pass "$1: rmmod took $took ms, nothing reported in the 6 s after"
}

stream_all
unload "first unload"
insmod "$ko" devices=2 || fail "insmod $ko devices=2"
stream_all
unload "second unload"
