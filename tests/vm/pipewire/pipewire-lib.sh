# shellcheck shell=bash
# A PipeWire session in the guest, without systemd (sourced after
# tests/vm/lib.sh and tests/vm/pipeline/pipeline-lib.sh, whose PIPE_DIR is
# XDG_RUNTIME_DIR): a D-Bus session bus, the pipewire daemon and WirePlumber,
# each started by the script and stopped by its PID.
#
# No udevd: WirePlumber's V4L2 monitor (SPA's v4l2-udev) enumerates
# /sys/class/video4linux through libudev, which reads sysfs itself, so it
# finds fakecam without udev's database; what only the database has
# (ID_V4L_CAPABILITIES, ID_V4L_PRODUCT, ID_PATH) is left out of the
# device's properties: the node's description reads "Unknown device
# (V4L2)" and it has no device.capabilities. Nothing of what follows uses
# them. Hot-plug needs udevd's events (none here: the modules are loaded
# before the session starts).

PW_CONFIG=$DMABUF_SRC/tests/vm/pipewire/config
PW_LOG=$PIPE_DIR/pipewire.log
WP_LOG=$PIPE_DIR/wireplumber.log
DBUS_PID='' PW_PID='' WP_PID=''

# WirePlumber's own settings for the guest (config/wireplumber/: no bluez,
# which needs systemd-logind; no ALSA or libcamera monitor), through the
# user configuration folder that WirePlumber 0.4 reads before /usr/share.
export XDG_CONFIG_HOME=$PW_CONFIG
export GST_REGISTRY=$PIPE_DIR/gst-registry.bin

# pw_start: the bus, then pipewire (info level: the v4l2 plugin's formats
# and buffer mode are in its log) (until its socket is there), then
# WirePlumber.
pw_start() {
	local out
	for t in pipewire wireplumber pw-cli pw-dump dbus-daemon; do
		command -v "$t" >/dev/null ||
			fail "$t is missing (tools/install-deps installs pipewire, pipewire-bin, wireplumber and dbus)"
	done
	out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1) ||
		fail "dbus-daemon --session did not start"
	export DBUS_SESSION_BUS_ADDRESS=${out%%$'\n'*}
	DBUS_PID=${out#*$'\n'}
	PIPEWIRE_DEBUG=3 pipewire >"$PW_LOG" 2>&1 &
	PW_PID=$!
	for _ in $(seq 100); do
		[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break
		kill -0 "$PW_PID" 2>/dev/null || { cat "$PW_LOG" >&2; fail "pipewire exited at start"; }
		sleep 0.1
	done
	[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] || { cat "$PW_LOG" >&2; fail "pipewire made no socket in 10 s"; }
	wireplumber >"$WP_LOG" 2>&1 &
	WP_PID=$!
}

# pw_stop: each daemon by its PID, the last first; waits for each. Their
# logs are kept in $DMABUF_OUT (build/vm-out/<release>/<scenario>/).
pw_stop() {
	local pid
	for pid in $WP_PID $PW_PID; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ -n "$DBUS_PID" ] && kill "$DBUS_PID" 2>/dev/null
	WP_PID='' PW_PID='' DBUS_PID=''
	[ -n "${DMABUF_OUT:-}" ] && mkdir -p "$DMABUF_OUT" && cp -f "$PW_LOG" "$WP_LOG" "$DMABUF_OUT/" 2>/dev/null
	return 0
}

# pw_xruns: how many cycles the graph's driver (fakecam's node) started
# while a follower had not finished the last one: pipewire logs "client too
# slow!" (info level, at most a few a second). The driver goes on anyway,
# so a late client's buffers may be recycled to the camera under it.
pw_xruns() {
	grep -c 'client too slow!' "$PW_LOG" || true
}

# pw_node_of DEVNODE: "id serial node.name" of the Video/Source node whose
# object.path is v4l2:DEVNODE, from pw-cli ls Node; nothing when none yet.
pw_node_of() {
	pw-cli ls Node 2>/dev/null | awk -v path="\"v4l2:$1\"" '
		function flush() { if (p == path && c == "\"Video/Source\"") print id, s, n; p = c = s = n = "" }
		/^[[:space:]]*id [0-9]+, type/ { flush(); id = $2; sub(",", "", id) }
		$1 == "object.path" { p = $3 }
		$1 == "media.class" { c = $3 }
		$1 == "object.serial" { s = $3; gsub("\"", "", s) }
		$1 == "node.name" { n = $3; gsub("\"", "", n) }
		END { flush() }'
}

# pw_wait_node DEVNODE: waits (30 s) for WirePlumber to create the node.
pw_wait_node() {
	local node
	for _ in $(seq 150); do
		node=$(pw_node_of "$1")
		[ -n "$node" ] && { echo "$node"; return 0; }
		kill -0 "$WP_PID" 2>/dev/null || { cat "$WP_LOG" >&2; fail "wireplumber exited"; }
		sleep 0.2
	done
	cat "$WP_LOG" >&2
	return 1
}

# pw_plugin_complaints: what PipeWire's v4l2 plugin logged as a warning or
# an error (pipewire's log lines start with [W] or [E]).
pw_plugin_complaints() {
	grep -E '^\[(W|E)\].*(spa\.v4l2|v4l2-)' "$PW_LOG"
}
