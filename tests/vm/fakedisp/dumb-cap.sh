#!/bin/bash
# fakedisp's dumb buffers: capped in total by max_memory_mb ($1, what this
# scenario loads fakedisp with), ENOMEM past the cap, and charged to the
# creator's memory cgroup (cgroup v2, mounted here if it is not); see
# tools/fakedisp-dumb-cap.c.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

cap=${1:?the max_memory_mb fakedisp was loaded with}
tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-dumb-cap
[ -x "$tool" ] || fail "$tool is not built"

cgroot=/sys/fs/cgroup
if [ "$(stat -f -c %T "$cgroot" 2>/dev/null)" != cgroup2fs ]; then
	mkdir -p "$cgroot"
	mount -t cgroup2 none "$cgroot" || fail "cannot mount cgroup2"
fi
if grep -qw memory "$cgroot/cgroup.controllers"; then
	echo +memory >"$cgroot/cgroup.subtree_control" || fail "cannot enable the memory controller"
	cg=$cgroot/fakedisp-dumb-cap
	mkdir -p "$cg"
	"$tool" --cap-mb "$cap" --cgroup "$cg" || fail "fakedisp-dumb-cap"
	echo $$ >"$cgroot/cgroup.procs"
	rmdir "$cg" || fail "the cgroup is still in use"
	charged="and charged to their memory cgroup"
elif grep -q '^# CONFIG_MEMCG is not set' "/lib/modules/$(uname -r)/build/.config" 2>/dev/null; then
	# The debug kernel: its config has no memory cgroups; Debian's do.
	echo "NOTE: $(uname -r) has no CONFIG_MEMCG: the cgroup charge is checked on the other kernels"
	"$tool" --cap-mb "$cap" || fail "fakedisp-dumb-cap"
	charged="(no memory cgroups on this kernel)"
else
	fail "no memory controller in cgroup v2"
fi
[ "$(cat /sys/module/fakedisp/parameters/max_memory_mb)" = "$cap" ] ||
	fail "max_memory_mb is not $cap"
expect_rmmod fakedisp
pass "dumb buffers capped at $cap MiB $charged"
