#!/usr/bin/env bash
# check.sh — make installcheck: checks the libnn installed in $PREFIX the way a user builds with it
# (pkg-config nn, the installed headers and libnn.so, LD_LIBRARY_PATH), run by .ci/run after
# make install:
#   1. one version everywhere: nn.pc, <nn/nn.h>'s LIBNN_VERSION_*, the file libnn.so.X.Y.Z
#   2. the soname is libnn.so.MAJOR, and a program linked with -lnn asks the loader for that
#   3. a program with a function of its own named like one of the library's (rng_normal) does not
#      change what the library computes: the library's calls inside itself bind to its own
#      functions (-Wl,-Bsymbolic-functions, Makefile)
#   PREFIX=DIR NN_VERSION=X.Y.Z NN_SONAME=libnn.so.X [CC=cc] tools/installcheck/check.sh
set -euo pipefail
: "${PREFIX:?PREFIX= the prefix make install used}" "${NN_VERSION:?}" "${NN_SONAME:?}"
CC=${CC:-cc}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fail() { echo "installcheck: $*" >&2; exit 1; }
build() { local out=$1; shift; $CC -O2 -std=c11 -Wall -Wextra "$@" $(pkg-config --cflags --libs nn) -o "$work/$out"; }

pc=$(pkg-config --modversion nn) || fail "pkg-config does not find nn in $PREFIX/lib/pkgconfig"
[ "$pc" = "$NN_VERSION" ] || fail "nn.pc says version $pc, the Makefile (common/nn.h) $NN_VERSION"
build version "$here/version.c"
got=$("$work/version")
[ "$got" = "$NN_VERSION $NN_VERSION" ] || fail "<nn/nn.h> gives '$got', expected '$NN_VERSION $NN_VERSION'"
[ -f "$PREFIX/lib/libnn.so.$NN_VERSION" ] || fail "no $PREFIX/lib/libnn.so.$NN_VERSION"
soname=$(objdump -p "$PREFIX/lib/libnn.so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "$NN_SONAME" ] || fail "libnn.so's soname is '$soname', expected $NN_SONAME"
build alone "$here/collide_main.c"
objdump -p "$work/alone" | grep -q "NEEDED *$NN_SONAME\$" || fail "a program linked with -lnn does not need $NN_SONAME"
echo "installcheck: version $NN_VERSION in nn.pc, <nn/nn.h> and libnn.so.$NN_VERSION; programs need $NN_SONAME"

build collide "$here/collide_main.c" "$here/collide_rng.c"
alone=$("$work/alone") collide=$("$work/collide")
[ "$alone" = "$collide" ] || fail "a program's own rng_normal replaced the library's inside mlp_init: its first" \
  "weight is $collide, $alone without it (libnn.so must bind its calls to its own functions: -Bsymbolic-functions)"
echo "installcheck: a program's own rng_normal leaves the library's calls alone (mlp_init's first weight $alone both ways)"
