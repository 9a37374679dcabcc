#!/usr/bin/env bash
# gpu/device-run.sh [DEBS_DIR] — the whole GPU check on a machine with an NVIDIA GPU that has the
# CUDA toolkit but none of our Debian packages (see chapters/13_cuda/README-gpu.md):
#
#   1. unpack the .debs of DEBS_DIR (default gpu/debs/, made by make gpu-debs) into a private
#      prefix with dpkg -x: nothing is installed, nothing outside the prefix changes;
#   2. check with ldd that the libraries found there load;
#   3. make gpu-check against that prefix (headers from it, libraries from it through an rpath),
#      for the GPU's own architecture: build, chapter 13's tests, the tests and the chapter under
#      compute-sanitizer, the benchmark against cuBLAS, the chapter's measured run;
#   4. when $OUT is set (the device tool's result folder), copy the results there: the summary,
#      every step's log, Criterion's JSON results and stderr, the build logs, the list of .debs.
#
# Variables: PREFIX (default /tmp/nn-prefix), B (build dir, default build-gpu), JOBS (make -j),
# GPU_SANITIZER=0 (skip the compute-sanitizer runs), GPU_BENCH_ARGS=--quick (a shorter benchmark),
# GPU_DRY_RUN=1 (on a machine without a GPU: everything up to the first kernel launch; see
# gpu/check.sh). gnuplot is not among the .debs: without it the chapter skips its figures.
set -uo pipefail
cd "$(dirname "$0")/.."
debs=${1:-gpu/debs}
PREFIX=${PREFIX:-/tmp/nn-prefix}
B=${B:-build-gpu}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
results=$B/gpu/results

command -v make >/dev/null || { echo "gpu/device-run.sh: make is not installed here" >&2; exit 2; }
ls "$debs"/*.deb >/dev/null 2>&1 || {
  echo "gpu/device-run.sh: no .deb files in $debs/. On a Debian machine run make gpu-debs first," >&2
  echo "and bring $debs/ along (the device tool: carry [\"$debs\"])." >&2
  exit 2
}

echo "=== 1. unpacking $(ls "$debs"/*.deb | wc -l) packages into $PREFIX"
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
for f in "$debs"/*.deb; do
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$f" "$PREFIX" || exit 1
  else # no dpkg: a .deb is an ar archive holding data.tar.*
    member=$(ar t "$f" | grep '^data\.tar') || exit 1
    ar p "$f" "$member" | tar -x -C "$PREFIX" --use-compress-program="$(case $member in *.xz) echo xz -d;; *.zst) echo zstd -d;; *) echo gzip -d;; esac)" || exit 1
  fi
done
# Absolute symlinks (usr/lib/.../libz.so -> /lib/.../libz.so.1) would point out of the prefix.
find "$PREFIX" -type l -lname '/*' | while read -r l; do ln -sfn "$PREFIX$(readlink "$l")" "$l"; done
lib=$PREFIX/usr/lib/x86_64-linux-gnu
blas=$lib/openblas-pthread
lib2=$PREFIX/lib/x86_64-linux-gnu # some packages still install under /lib
libpath=$lib:$blas:$lib2
mkdir -p "$B" && ls "$debs"/*.deb | xargs -n1 basename >"$B/debs.txt"

echo "=== 2. checking that the unpacked libraries load"
missing=$(LD_LIBRARY_PATH=$libpath ldd "$lib/libcriterion.so.3" "$blas/libopenblas.so.0" 2>&1 | grep 'not found' | sort -u)
if [ -n "$missing" ]; then
  echo "missing libraries (add their packages to gpu/fetch-debs.sh):"
  echo "$missing"
  exit 1
fi
# Everything they load must come from the prefix or from the base system every Linux machine has
# (glibc, libgcc, libstdc++): a library found elsewhere here may be missing on the GPU machine.
outside=$(LD_LIBRARY_PATH=$libpath ldd "$lib/libcriterion.so.3" "$blas/libopenblas.so.0" $(ls "$lib"/libz.so.1 "$lib2"/libz.so.1 2>/dev/null) 2>&1 |
  awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | grep -v "^[^ ]* $PREFIX/" |
  grep -Ev '^(libc|libm|libpthread|libdl|librt|libresolv|libgcc_s|libstdc\+\+|ld-linux-x86-64)\.so' | sort -u)
if [ -n "$outside" ]; then
  echo "libraries found outside $PREFIX and the base system (add their packages to gpu/fetch-debs.sh):"
  echo "$outside"
  exit 1
fi
echo "ok: libcriterion, libopenblas and libz resolve from $PREFIX and the base system"

echo "=== 3. make gpu-check (B=$B, -j$JOBS)"
# The Makefile would ask dpkg whether our packages are installed: they are not, on purpose.
mkdir -p "$B" && touch "$B/.deps-build"
make --no-print-directory -j"$JOBS" B="$B" GPU_OUT="$results" \
  PKG_CFLAGS="-I$PREFIX/usr/include -I$PREFIX/usr/include/x86_64-linux-gnu/openblas-pthread" \
  PKG_LIBS="-L$lib -L$blas -L$lib2 -Wl,--disable-new-dtags,-rpath,$libpath -lopenblas -lz -lm" \
  TEST_LIBS="-L$lib -L$lib2 -Wl,-rpath-link,$libpath -lcriterion" \
  gpu-check 2>&1 | tee "$B/gpu-check.log"
status=${PIPESTATUS[0]}

if [ -n "${OUT:-}" ]; then
  echo "=== 4. copying the results to $OUT"
  mkdir -p "$OUT" "$results" && cp "$B/gpu-check.log" "$results/" 2>/dev/null
  cp "$B/debs.txt" "$results/debs.txt" 2>/dev/null
  for f in "$B"/ref/13_cuda/build.log "$B"/gpu/ref/resources.txt; do
    [ -f "$f" ] && cp "$f" "$results/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  tar -czf "$OUT/results.tar.gz" -C "$B/gpu" results
  for f in "$results"/*.log "$results"/*.txt "$results"/*.json "$results"/bench.md "$results"/bench.csv; do
    [ -f "$f" ] && cp "$f" "$OUT/"
  done
fi
echo "gpu/device-run.sh: make gpu-check exited $status"
exit "$status"
