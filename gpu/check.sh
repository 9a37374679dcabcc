#!/usr/bin/env bash
# gpu/check.sh — what `make gpu-check` runs once everything is built (B=build dir, GPU_OUT=results).
#
#   1. the GPU, as nvidia-smi sees it
#   2. chapter 13's tests, graded (every kernel against CPU references at odd sizes)
#   3. memory errors: the GPU tests under compute-sanitizer memcheck, and the chapter's own run
#      (every kernel, odd SGEMM size) under memcheck and under racecheck (shared-memory races)
#   4. the benchmark against cuBLAS (gpu/bench.c)
#   5. the chapter itself: tables and figures measured on this GPU
#
# GPU_SANITIZER=0 skips step 3; GPU_BENCH_ARGS=--quick shortens step 4.
# Every step runs even if an earlier one failed; each one's output goes to $GPU_OUT/<step>.log and
# its exit status to $GPU_OUT/summary.txt. Exit status: 0 when every step passed.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
OUT_DIR=${GPU_OUT:-$B/gpu/results}
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/summary.txt"
failed=0

# run NAME COMMAND...: run it, keep its output, record its status.
run() {
  local name=$1; shift
  echo
  echo "=== $name: $*"
  local t0=$SECONDS
  "$@" 2>&1 | tee "$OUT_DIR/$name.log"
  local rc=${PIPESTATUS[0]}
  printf '%-22s exit %-3s %4ds   %s\n' "$name" "$rc" $((SECONDS - t0)) "$*" >>"$OUT_DIR/summary.txt"
  [ "$rc" = 0 ] || failed=1
  return 0
}

if command -v nvidia-smi >/dev/null; then
  run gpu nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.max.sm --format=csv
else
  echo "nvidia-smi not found" | tee "$OUT_DIR/gpu.log"
fi

run tests make --no-print-directory B="$B" check CH=13

if [ "${GPU_SANITIZER:-1}" = 0 ]; then
  echo "compute-sanitizer: skipped (GPU_SANITIZER=0)" | tee -a "$OUT_DIR/summary.txt"
elif command -v compute-sanitizer >/dev/null; then
  # Criterion runs each test in a child process; --target-processes all follows them.
  run sanitizer-tests compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
    --print-limit 20 "$B/ref/13_cuda/test" --jobs 1 --timeout 900 --filter 'gpu/*'
  # One process that runs every kernel: an SGEMM size that is a multiple of no tile.
  run sanitizer-memcheck compute-sanitizer --tool memcheck --error-exitcode 99 --print-limit 20 \
    "$B/ref/13_cuda/prog" --quick --size 257 --out "$OUT_DIR/sanitizer-out"
  run sanitizer-racecheck compute-sanitizer --tool racecheck --error-exitcode 99 --print-limit 20 \
    "$B/ref/13_cuda/prog" --quick --size 129 --out "$OUT_DIR/sanitizer-out"
else
  echo "compute-sanitizer not found: the memory checks were not run" | tee -a "$OUT_DIR/summary.txt"
  failed=1
fi

run bench "$B/gpu/bench" --out "$OUT_DIR" ${GPU_BENCH_ARGS:-}
run chapter "$B/ref/13_cuda/prog" --out "$OUT_DIR/out13"

echo
echo "=== summary ($OUT_DIR/summary.txt)"
cat "$OUT_DIR/summary.txt"
exit $failed
