# shellcheck shell=bash
# Shell helpers for VM scenarios; a scenario sources this file inside the
# guest (tools/vmrun), where DMABUF_SRC, DMABUF_BUILD, DMABUF_KREL, DMABUF_OUT
# and DMABUF_SID are set.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "PASS: $*"
}

# Run a program from the sid chroot (sid's v4l-utils: v4l2-compliance 1.32)
# with the guest's /dev, /proc, /sys and /tmp visible in it.
sid_run() {
	local root=${DMABUF_SID:?DMABUF_SID is not set: run this inside tools/vmrun}
	local d
	[ -x "$root/usr/bin/env" ] || fail "no sid chroot at $root (tools/sid-chroot creates it)"
	for d in dev proc sys tmp run; do
		mountpoint -q "$root/$d" || mount --rbind "/$d" "$root/$d" ||
			fail "cannot bind /$d into the sid chroot"
	done
	chroot "$root" "$@"
}

# Print the /dev/videoN node whose V4L2 driver name is $1 (first match), or
# nothing.
video_by_driver() {
	local n
	for n in /dev/video*; do
		[ -c "$n" ] || continue
		if v4l2-ctl -d "$n" --info 2>/dev/null | grep -qE "Driver name[[:space:]]*: $1\$"; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# Print the /dev/videoN node of fakecam camera $1 (platform device
# fakecam.$1), or nothing.
fakecam_node() {
	local d
	for d in /sys/bus/platform/devices/fakecam."$1"/video4linux/video*; do
		[ -e "$d" ] && { echo "/dev/$(basename "$d")"; return 0; }
	done
	return 1
}

# Print the /dev/dri/cardN node of DRM driver $1 (the first), or nothing. A
# hardware driver is the card's device's driver; virtual ones (vgem,
# fakedisp) sit on a device named after them, or after them and an instance
# number (fakedisp.0, fakedisp.1 with devices=2): a platform device no
# driver binds to, or (6.14 on) a faux device bound to the faux bus's own
# driver.
card_by_driver() {
	local c dev drv
	for c in /sys/class/drm/card[0-9]*; do
		case "$c" in *-*) continue ;; esac
		dev=$(basename "$(readlink -f "$c/device")")
		drv=
		[ -e "$c/device/driver" ] && drv=$(basename "$(readlink -f "$c/device/driver")")
		if [ "$dev" = "$1" ] || [ "${dev%.[0-9]*}" = "$1" ] || [ "$drv" = "$1" ]; then
			echo "/dev/dri/$(basename "$c")"
			return 0
		fi
	done
	return 1
}

# Fail unless $1 (a module name) can be removed now.
expect_rmmod() {
	rmmod "$1" || fail "rmmod $1 failed"
}
