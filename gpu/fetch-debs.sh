#!/usr/bin/env bash
# gpu/fetch-debs.sh [DIR] — download (not install) the Debian packages that a GPU machine lacks,
# into DIR (default gpu/debs/, ignored by git). `make gpu-debs` runs it.
#
# The GPU machine has nvcc, cuBLAS, compute-sanitizer and Python but none of our Debian packages,
# and no network. gpu/device-run.sh unpacks these .debs there into a private prefix (dpkg -x; no
# installation, nothing outside the prefix changes) and builds against them. The list is the
# build's needs (Criterion, OpenBLAS, zlib headers) and the shared libraries they load that a
# non-Debian system may not have; gpu/device-run.sh checks with ldd that nothing is missing.
set -euo pipefail
dir=${1:-gpu/debs}
pkgs=(
  libcriterion-dev libcriterion3                          # the test framework
  libgit2-1.5 libhttp-parser2.9 libssh2-1 libnanomsg5     # ... and what libcriterion3 loads
  libmbedtls14 libmbedx509-1 libmbedcrypto7
  libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2
  libssl3 libffi8 libpcre2-8-0
  libopenblas-pthread-dev libopenblas0-pthread            # OpenBLAS: cblas.h and the library
  libgfortran5 libquadmath0                               # ... and what it loads
  zlib1g-dev zlib1g                                       # zlib.h and libz (common/idx.c reads .gz files)
)
command -v apt-get >/dev/null || { echo "gpu/fetch-debs.sh needs apt-get (a Debian machine)" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
rm -f ./*.deb
if ! apt-get download "${pkgs[@]}" 2>apt.log; then
  # A stale package list names versions the mirror no longer has: refresh it once (as root).
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get download "${pkgs[@]}"
  else cat apt.log >&2; echo "apt-get download failed; try sudo apt-get update first" >&2; exit 1; fi
fi
rm -f apt.log
echo "gpu/fetch-debs.sh: $(ls ./*.deb | wc -l) packages, $(du -sh . | cut -f1), in $dir/"
