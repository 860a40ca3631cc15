#!/bin/bash
# cmake --install into a temporary prefix, then what a user of the install
# does: a program outside the tree built with pkg-config against the
# installed library round-trips protocol messages through it; the installed
# apps run from wherever the prefix is moved; both man pages render without
# a warning. Usage: install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "PASS: $*"; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
	cat "$tmp/install.log"
	fail "cmake --install --prefix $prefix failed"
}
for f in bin/producer bin/consumer bin/bench-copy bin/bench-floor \
	lib/libdmabufinterop.so lib/libdmabufinterop.so.0 lib/pkgconfig/dmabuf-interop.pc \
	include/dmabuf-interop/protocol.h include/dmabuf-interop/frame-stamp.h \
	share/man/man1/producer.1 share/man/man1/consumer.1; do
	[ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
soname=$(readelf -d "$prefix/lib/libdmabufinterop.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libdmabufinterop.so.0 ] || fail "SONAME is '$soname', expected libdmabufinterop.so.0"
real=$(readlink -f "$prefix/lib/libdmabufinterop.so")
pass "installed $(find "$prefix" -type f | wc -l) files; $(basename "$real"), SONAME $soname"

# A program outside the tree, built with pkg-config alone (PKG_CONFIG_LIBDIR:
# no other .pc is looked at).
mkdir "$tmp/outside"
cp "$src/tests/install/roundtrip.c" "$tmp/outside/"
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs dmabuf-interop) || fail "pkg-config does not know dmabuf-interop"
echo "pkg-config --cflags --libs dmabuf-interop: $flags"
[ "$(pkg-config --variable=prefix dmabuf-interop)" = "$prefix" ] ||
	fail "dmabuf-interop.pc names prefix $(pkg-config --variable=prefix dmabuf-interop), not the install's $prefix"
# shellcheck disable=SC2086 # the flags are words
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/outside/roundtrip" "$tmp/outside/roundtrip.c" $flags ||
	fail "roundtrip.c does not build against the installed headers and library"
LD_LIBRARY_PATH=$prefix/lib "$tmp/outside/roundtrip" || fail "the round trip through the installed library failed"
used=$(LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/outside/roundtrip" | awk '/libdmabufinterop/ { print $3 }')
[ "$used" = "$prefix/lib/libdmabufinterop.so.0" ] || fail "roundtrip loaded '$used', not the installed library"
# The control: without the prefix on the library path the program cannot
# start, so the run above used the installed library and no other.
if "$tmp/outside/roundtrip" >/dev/null 2>&1; then
	fail "roundtrip ran without the installed library: some other libdmabufinterop was found"
fi
pass "a program outside the tree built with pkg-config round-trips HELLO and FRAME through $used"

# The apps find the library relative to themselves (RUNPATH \$ORIGIN/../lib),
# wherever the prefix goes.
mv "$prefix" "$tmp/moved"
for app in producer consumer bench-copy bench-floor; do
	"$tmp/moved/bin/$app" --help >/dev/null || fail "installed $app --help failed after moving the prefix"
done
pass "the installed apps run from a moved prefix"

# The man pages: man-db's and groff's warnings on (-ww: all of them).
for page in producer consumer; do
	file=$tmp/moved/share/man/man1/$page.1
	out=$(MANWIDTH=80 man --warnings=w -l "$file" 2>"$tmp/man.err") || fail "man -l $page.1 failed"
	[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "man -l $page.1 warns"; }
	groff -ww -man -Tutf8 -z "$file" 2>"$tmp/groff.err"
	[ ! -s "$tmp/groff.err" ] || { cat "$tmp/groff.err"; fail "groff -ww warns on $page.1"; }
	grep -q "^NAME" <<<"$out" && grep -q -- "--sync" <<<"$out" && grep -q "SEE ALSO" <<<"$out" ||
		fail "man $page shows no NAME, --sync option or SEE ALSO"
done
# The control: the same check sees a page with a bad escape and an
# unknown request.
printf '.TH BAD 1\n.SH NAME\nbad \\q page\n.XYZ\n' >"$tmp/bad.1"
groff -ww -man -Tutf8 -z "$tmp/bad.1" 2>"$tmp/groff.err" || true
[ -s "$tmp/groff.err" ] || fail "groff -ww did not warn on a broken page: the check above proves nothing"
pass "man -l renders producer(1) and consumer(1) without a warning (groff -ww too; it warns on a broken page)"
