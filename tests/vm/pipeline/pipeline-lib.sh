# shellcheck shell=bash
# Helpers of the producer/consumer scenarios (sourced inside the guest after
# tests/vm/lib.sh). The apps are the build tree's; the socket lives in a
# private folder of the guest's /tmp.

APPS=$DMABUF_BUILD/apps
PIPE_DIR=$(mktemp -d /tmp/pipeline.XXXXXX)
SOCK=$PIPE_DIR/sock
export XDG_RUNTIME_DIR=$PIPE_DIR

{ [ -x "$APPS/producer" ] && [ -x "$APPS/consumer" ]; } || fail "the apps are not built in $APPS"

# start_consumer OUTFILE ARGS...: runs the consumer in the background
# (CONSUMER_PID), its stdout in OUTFILE, and waits for its socket.
start_consumer() {
	local out=$1
	shift
	rm -f "$SOCK"
	"$APPS/consumer" --socket "$SOCK" "$@" >"$out" 2>"$out.err" &
	CONSUMER_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$CONSUMER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out" "$out.err" >&2
	fail "the consumer did not start listening on $SOCK"
}

# videos_by_driver DRIVER: every /dev/videoN of V4L2 driver DRIVER, one a line.
videos_by_driver() {
	local n
	for n in /dev/video*; do
		[ -c "$n" ] || continue
		v4l2-ctl -d "$n" --info 2>/dev/null | grep -qE "Driver name[[:space:]]*: $1\$" && echo "$n"
	done
	return 0
}

# json_get FILE KEY: a top-level string or number of a summary object.
json_get() {
	local v
	v=$(sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1" | tail -n 1)
	[ -n "$v" ] || v=$(sed -n "s/.*\"$2\":\([^,}\"]*\).*/\1/p" "$1" | tail -n 1)
	echo "$v"
}

# expect_pass FILE WHO: the JSON summary in FILE has verdict PASS.
expect_pass() {
	local v
	v=$(json_get "$1" verdict)
	[ "$v" = PASS ] || { cat "$1" "$1.err" >&2; fail "$2: verdict '$v': $(json_get "$1" reason)"; }
}

# scanout_get KEY: a counter of fakedisp's scanout file.
scanout_get() {
	sed -n "s/^$1: //p" /sys/kernel/debug/fakedisp/scanout
}

# Frames fakedisp's scanout found bad so far: a wrong stamp or checksum, or
# rewritten while on screen.
scanout_bad() {
	echo $(($(scanout_get bad_stamp) + $(scanout_get bad_checksum) + $(scanout_get rewritten)))
}

# expect_verified_run OUT FRAMES BAD SHOWN, once the producer (OUT.producer)
# and the consumer (OUT.consumer, both --json) exited with their verdicts:
# both PASS and verified FRAMES frames, releases kept display order, and
# fakedisp found no bad frame since scanout_bad said BAD and scanned stamped
# frames since stamped_ok was SHOWN.
expect_verified_run() {
	local out=$1 frames=$2 bad=$3 shown=$4 app
	for app in producer consumer; do
		expect_pass "$out.$app" $app
		[ "$(json_get "$out.$app" verified)" = "$frames" ] ||
			fail "$app verified $(json_get "$out.$app" verified) of $frames frames"
		[ "$(json_get "$out.$app" out_of_order)" = 0 ] || fail "$app: releases out of display order"
	done
	[ "$(scanout_bad)" = "$bad" ] || { cat /sys/kernel/debug/fakedisp/scanout; fail "fakedisp saw bad frames"; }
	[ "$(scanout_get stamped_ok)" -gt "$shown" ] || fail "fakedisp scanned no stamped frame"
	echo "  producer: release order $(json_get "$out.producer" release_order);" \
		"fakedisp: +$(($(scanout_get stamped_ok) - shown)) stamped frames scanned"
}

# "ino pfn_hash" rows, one per dma-buf: what each module exported (its own
# pages) and what it imported (the pages of the sg_table it mapped).
cam_exports() {
	awk '/^buffer /{for(i=1;i<=NF;i++) if($i ~ /^pfn_hash=/){h=substr($i,10)}}
		/dmabuf ino=/{split($2,a,"="); print a[2], h}' /sys/kernel/debug/fakecam/*/buffers
}
cam_imports() { # mapped at least once
	awk '/^import / && !/pfn_hash=-/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		print f["ino"], f["pfn_hash"] }' /sys/kernel/debug/fakecam/*/imports
}
disp_exports() { # dumb buffers with a dma-buf
	awk '$2=="dumb" && $4!=0 {print $4, $5}' /sys/kernel/debug/fakedisp/buffers
}
disp_imports_of() { # of exporter $1's buffers (its dma-buf exporter name)
	awk -v e="$1" '$2=="import" && $6==e {print $4, $5}' /sys/kernel/debug/fakedisp/buffers
}
disp_imports() { # of fakecam's buffers
	disp_imports_of fakecam
}

# Zero-copy proof: for each dma-buf the importer mapped, the pfn hash of its
# sg_table equals the hash of the exporter's own pages for the same inode.
# wait_imports N [camera-exports|display-exports]: until the importer lists N
# buffers of the other module (10 s): fakecam's buffers imported by fakedisp
# (the default), or fakedisp's dumb buffers imported by fakecam
# (--display-allocates). The lists are read at each try and kept for
# pfn_proof, the imports first (an import holds the dma-buf, so the export
# is listed after it), because a short pipeline may end and its buffers go
# before pfn_proof could read them (seen on the debug kernel, where every
# program started costs 0.3 s).
wait_imports() {
	local exporter=cam importer=disp
	[ "${2:-camera-exports}" = camera-exports ] || { exporter=disp importer=cam; }
	for _ in $(seq 100); do
		"${importer}_imports" >"$PIPE_DIR/pfn.imp"
		"${exporter}_exports" >"$PIPE_DIR/pfn.exp"
		[ "$(wc -l <"$PIPE_DIR/pfn.imp")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# pfn_proof WANT [camera-exports|display-exports], after wait_imports with
# the same direction: one line per buffer; fails on any difference or when
# fewer than WANT buffers match. An import whose export was gone by the time
# the exports were read (fd-per-frame: a buffer per frame) is shown and not
# compared.
pfn_proof() {
	local want=$1 exporter=cam importer=disp
	[ "${2:-camera-exports}" = camera-exports ] || { exporter=disp importer=cam; }
	# (no process substitution: the guest has no /dev/fd)
	awk -v want="$want" -v exp_name="fake$exporter" -v imp_name="fake$importer" \
		'NR==FNR {h[$1]=$2; next}
		!($1 in h) { printf "  dma-buf ino %-6s gone before %s listed its exports\n", $1, exp_name; next }
		{ st = (h[$1] == $2) ? "equal" : "DIFFERENT"; if (st == "equal") ok++; else bad++
		  printf "  dma-buf ino %-6s %s pfn_hash %s  %s pfn_hash %s  %s\n", $1, exp_name, h[$1], imp_name, $2, st }
		END { printf "  %d of %d buffers with equal pfn hashes (zero copy)\n", ok, ok + bad
		      exit (bad || ok < want) }' "$PIPE_DIR/pfn.exp" "$PIPE_DIR/pfn.imp"
}

# No dma-buf of fakecam is left (the exporter's release ran for each),
# within 10 s: the last references go after the apps exit, with the frame
# fakedisp's scanout worker may still be reading, which on a loaded host
# can wait seconds for a CPU.
expect_no_fakecam_dmabuf() {
	for _ in $(seq 100); do
		grep -q fakecam /sys/kernel/debug/dma_buf/bufinfo || return 0
		sleep 0.1
	done
	cat /sys/kernel/debug/dma_buf/bufinfo >&2
	fail "fakecam dma-bufs are still alive after 10 s"
}

# Both modules unload: fakedisp first (it detaches), then fakecam.
expect_modules_unload() {
	expect_rmmod fakedisp
	expect_rmmod fakecam
	pass "rmmod fakedisp, then fakecam"
}
