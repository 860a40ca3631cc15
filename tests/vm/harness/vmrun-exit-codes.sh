#!/bin/bash
# Host-side test of tools/vmrun: the guest command's exit status becomes
# vmrun's, for success, plain failure and an arbitrary code.
set -u
vmrun=("$DMABUF_SRC/tools/vmrun" --quiet --kernel "$DMABUF_KREL" --build "$DMABUF_BUILD" --modules none)
failed=0
for code in 0 1 42; do
	"${vmrun[@]}" -- sh -c "echo guest exits $code; exit $code"
	got=$?
	if [ "$got" -eq "$code" ]; then
		echo "PASS: exit $code propagated"
	else
		echo "FAIL: guest exited $code, vmrun returned $got"
		failed=1
	fi
done
exit $failed
