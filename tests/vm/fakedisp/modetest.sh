#!/bin/bash
# modetest (libdrm's own client) on fakedisp: the listing shows one always
# connected virtual connector with its modes (1920x1080 preferred), one CRTC,
# a primary plane and three overlay planes, all with XR24 AR24 NV12 YUYV
# NV21 NV16 YU12 RG16, and a cursor plane with AR24; then `modetest -s`
# sets 1920x1080 with a
# dumb buffer in each format, `-s` with `-P` puts an overlay on top
# (fakedisp's debugfs "planes" shows it where modetest placed it), `-C`
# moves a cursor over the screen (the legacy cursor ioctls, on the cursor
# plane), and `-v` page-flips at the refresh rate.
# The scanout must have read those frames.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

out=$(modetest -M fakedisp -c -p) || fail "modetest -M fakedisp"
conn=$(echo "$out" | awk '/^Connectors:/ { getline; getline; print $1; exit }')
crtc=$(echo "$out" | awk '/^CRTCs:/ { getline; getline; print $1; exit }')
[ -n "$conn" ] && [ -n "$crtc" ] || fail "no connector or CRTC in the listing"
echo "$out" | grep -qE "^$conn[[:space:]]+[0-9]+[[:space:]]+connected[[:space:]]+Virtual-1" ||
	fail "connector $conn is not a connected Virtual-1"
echo "$out" | grep -qE "#0 1920x1080 .*type: preferred" || fail "1920x1080 is not the preferred mode"
for m in 640x480 1280x720 1920x1080 3840x2160; do
	echo "$out" | grep -qE "#[0-9]+ $m " || fail "mode $m is not offered"
done
planes=$(echo "$out" | awk '/^Planes:/ { p = 1; next } /^[A-Z]/ { p = 0 } p && /^[0-9]+\t/ { print $1 }')
nplanes=$(echo "$planes" | wc -w)
[ "$nplanes" -eq 5 ] || fail "$nplanes planes listed, expected a primary, 3 overlays and a cursor"
[ "$(echo "$out" | grep -c "formats: XR24 AR24 NV12 YUYV NV21 NV16 YU12 RG16")" -eq 4 ] &&
	[ "$(echo "$out" | grep -c "formats: AR24$")" -eq 1 ] || fail "plane formats"
overlay=$(echo "$planes" | sed -n 2p)
pass "listing: connector $conn, CRTC $crtc, modes, planes $(echo $planes) and their formats"

scanned0=$(awk '/^scanned:/ { print $2 }' /sys/kernel/debug/fakedisp/scanout)
for fmt in XR24 NV12 YUYV NV21 NV16 YU12 RG16; do
	out=$(modetest -M fakedisp -s "$conn@$crtc:1920x1080@$fmt" </dev/null 2>&1) ||
		fail "modetest -s 1920x1080@$fmt: $out"
	echo "$out" | grep -q "setting mode 1920x1080" || fail "modetest -s $fmt: $out"
	pass "modetest -s $conn@$crtc:1920x1080@$fmt"
done

# An overlay with -P, over a mode set with -s: modetest waits for a key
# (stdin, a FIFO we hold open) while the planes are up.
fifo=$(mktemp -u) && mkfifo "$fifo" || fail "mkfifo"
modetest -M fakedisp -s "$conn@$crtc:1280x720@XR24" -P "$overlay@$crtc:320x240+100+50@XR24" \
	<"$fifo" >/tmp/modetest-P.out 2>&1 &
mt=$!
exec 3>"$fifo"
line= scanned=0
for _ in $(seq 100); do
	line=$(grep "^plane 1 " /sys/kernel/debug/fakedisp/planes)
	case "$line" in *" pos=320x240+100+50 "*" stamped_ok="*) ;; *) sleep 0.2; continue ;; esac
	scanned=$(echo "$line" | sed 's/.* scanned=\([0-9]*\).*/\1/')
	[ "$scanned" -gt 0 ] && break
	sleep 0.2
done
exec 3>&-
wait "$mt" || fail "modetest -P: $(cat /tmp/modetest-P.out)"
echo "$line" | grep -q " pos=320x240+100+50 " || fail "overlay $overlay not at 320x240+100+50: $line"
[ "$scanned" -gt 0 ] || fail "the overlay's frame was never read: $line"
echo "$line" | grep -q " bad_stamp=0 bad_checksum=0 rewritten=0 " || fail "overlay: $line"
pass "modetest -P $overlay@$crtc:320x240+100+50@XR24: on screen, read $scanned times"

# -C: modetest makes an ARGB cursor of the size DRM_CAP_CURSOR_WIDTH and
# _HEIGHT give (fakedisp's largest) and moves it with drmModeMoveCursor
# until a key: the cursor plane shows it and the scanout reads it.
modetest -M fakedisp -s "$conn@$crtc:1280x720@XR24" -C <"$fifo" >/tmp/modetest-C.out 2>&1 &
mt=$!
exec 3>"$fifo"
line= scanned=0
for _ in $(seq 100); do
	line=$(grep " type=cursor " /sys/kernel/debug/fakedisp/planes)
	scanned=$(echo "$line" | sed -n 's/.* pos=[0-9]*x[0-9]*+[0-9]*+[0-9]* .* scanned=\([0-9]*\).*/\1/p')
	[ "${scanned:-0}" -gt 0 ] && break
	sleep 0.2
done
exec 3>&-
wait "$mt" || fail "modetest -C: $(cat /tmp/modetest-C.out)"
[ "${scanned:-0}" -gt 0 ] || fail "the cursor was not on screen, or never read: $line"
echo "$line" | grep -q " bad_stamp=0 bad_checksum=0 rewritten=0 " || fail "cursor: $line"
pass "modetest -C: a cursor on the cursor plane ($(echo "$line" | sed 's/.* pos=\([^ ]*\) .*/\1/') visible), read $scanned times"
rm -f "$fifo"

# -v flips until stdin becomes readable and prints the flip rate every 60
# flips: an idle pipe as stdin, line-buffered output, stopped after 6 s.
out=$(sleep 8 | timeout -s INT 6 stdbuf -oL modetest -M fakedisp -s "$conn@$crtc:1280x720" -v 2>&1)
rate=$(echo "$out" | awk '/^freq:/ { f = $2 } END { sub("Hz", "", f); print f }')
[ -n "$rate" ] || fail "modetest -v printed no flip rate: $out"
# Never faster than the refresh rate. Slower only when the host starves the
# emulated CPU that runs the vblank timer (the debug kernel on a
# busy host: 17 Hz seen); fakedisp-import checks the exact
# pacing from the flip events' timestamps.
awk -v r="$rate" 'BEGIN { exit !(r > 5 && r < 61) }' || fail "flips at $rate Hz at 60 Hz"
pass "modetest -v flips at $rate Hz"

scanned=$(awk '/^scanned:/ { print $2 }' /sys/kernel/debug/fakedisp/scanout)
bad=$(awk '/^(bad_stamp|bad_checksum|rewritten):/ { n += $2 } END { print n }' \
	/sys/kernel/debug/fakedisp/scanout)
[ "$scanned" -gt "$scanned0" ] || fail "the scanout read no frame"
[ "$bad" -eq 0 ] || fail "$bad frames with a bad stamp"
pass "scanout read $((scanned - scanned0)) frames"

expect_rmmod fakedisp
pass "rmmod fakedisp"
