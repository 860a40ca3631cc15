#!/bin/bash
# DRM syncobjs on fakedisp (DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE):
# tools/fakedisp-fences syncobj (see its header): the basics of IGT's
# syncobj_basic and syncobj_timeline with vgem fences, then a flip whose
# IN_FENCE_FD is a timeline's acquire point and whose OUT_FENCE becomes a
# release timeline point, waited for. Then rmmod fakedisp.
. "$DMABUF_SRC/tests/vm/lib.sh"
set -u

tool=$DMABUF_BUILD/tests/vm/fakedisp/tools/fakedisp-fences
[ -x "$tool" ] || fail "$tool is not built"
echo "== fakedisp-fences syncobj"
"$tool" syncobj || fail "fakedisp-fences syncobj"
expect_rmmod fakedisp
pass "syncobjs, binary and timeline, with a flip's in- and out-fences"
