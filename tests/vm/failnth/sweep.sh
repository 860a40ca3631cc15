#!/bin/bash
# The fail-nth sweep (docs/testing.md): tools failnth fails the 1st, 2nd, ...
# allocation of every kernel entry point of fakecam and fakedisp until each
# call succeeds cleanly, checking errnos, leftovers and the kernel log after
# every call. What the failure paths leaked, kmemleak finds: tools/vmrun
# scans after the command on the debug kernel.
# Needs fail-nth (CONFIG_FAULT_INJECTION): exit 77 on a kernel without it.
# Extra arguments go to failnth (--only REGEX, --full, --module-samples N, --seed N).
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/failnth/failnth
[ -x "$tool" ] || fail "$tool is not built"
if [ ! -e /proc/thread-self/fail-nth ]; then
	echo "SKIP: /proc/thread-self/fail-nth is missing: kernel $DMABUF_KREL has no" \
		"CONFIG_FAULT_INJECTION; the sweep runs on the debug kernel (tools/debug-kernel)"
	exit 77
fi
kmod=$DMABUF_BUILD/kmod/$DMABUF_KREL
cam_ko=$(find "$kmod" -name fakecam.ko -print -quit)
disp_ko=$(find "$kmod" -name fakedisp.ko -print -quit)
[ -n "$cam_ko" ] && [ -n "$disp_ko" ] || fail "fakecam.ko or fakedisp.ko is not built under $kmod"

# The host's clock, through a file on the output share (9p: the host sets
# its mtime), against the guest's: a TSC calibrated wrong at boot under a
# loaded host makes the guest's time run fast, and then every timeout and
# the kernel's own stall detectors misfire.
host_now() {
	[ -n "${DMABUF_OUT:-}" ] && [ -d "$DMABUF_OUT" ] || return 1
	echo . >>"$DMABUF_OUT/.clock" && stat -c %Y "$DMABUF_OUT/.clock"
}

out=${DMABUF_OUT:-/tmp}/failnth.log
start=$SECONDS
host_start=$(host_now) || host_start=
"$tool" --fakecam-ko "$cam_ko" --fakedisp-ko "$disp_ko" "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
guest=$((SECONDS - start))
if [ -n "$host_start" ] && host_end=$(host_now); then
	host=$((host_end - host_start))
	echo "sweep: $guest s by the guest's clock, $host s by the host's"
	if [ "$host" -gt 10 ] && [ "$guest" -gt $((host * 3 / 2)) ]; then
		echo "NOTE: the guest's clock ran $((guest / (host > 0 ? host : 1)))x too fast" \
			"($(dmesg | grep -m1 -o 'tsc: Detected.*')): its timeouts and stall detectors misfire"
	fi
else
	echo "sweep: $guest s"
fi
rm -f "${DMABUF_OUT:-/nonexistent}/.clock"
exit "$rc"
