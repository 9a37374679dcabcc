#!/usr/bin/env bash
# make bench: measure the machine's limits, then each chapter's headline workload, and write a
# table (stdout and $B/bench/results.md) with every figure as a ratio to the limit measured in
# this same run.
#
# A chapter takes part by accepting --bench and printing one line
#   bench: name=<id> epoch_s=<s> test_acc=<0..1> gflop_epoch=<GFLOP>   (compared with SGEMM), or
#   bench: name=<id> step_s=<s> gbs=<GB/s>                               (compared with memory copy)
#   bench: name=<id> epoch_s=<s> test_acc=<..> gflop_epoch=<..> floor_s=<s>  (with its own products-only floor)
#   bench: name=<id> tokens_s=<n> floor_tokens_s=<n> [gru_tokens_s=<n> gru_floor_tokens_s=<n>]
#   bench: name=qgemm_int8 path=<p> conv2_int8_gops=.. conv2_fp32_gflops=.. fc1_.. sq1024_.. sq1024_ratio=..
#                                  (chapter 11: the int8 GEMM against cblas_sgemm, same shapes)
#                                  (a sequence model against its products-only floor, same run)
#          [gen_kv_tokens_s=<n> gen_full_tokens_s=<n>]  (chapter 12: generation with/without KV cache)
# Every chapter's default run is also timed (the target: under a minute).
set -euo pipefail
B=${1:-build}
mkdir -p "$B/bench"
out=$B/bench/results.md
limits=$("$B/bench/sgemm")
calc() { awk "BEGIN { print $1 }"; }
val() { sed -n "s/.*name=$1 value=\([0-9.]*\).*/\1/p" <<<"$limits"; }
peak=$(val sgemm_1024); peak_mlp=$(val sgemm_mlp); bw=$(val copy); floor=$(val mlp_gemm_epoch)
{
  echo "# make bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo
  echo "Limits measured in this run: OpenBLAS SGEMM ${peak} GFLOP/s at n=1024, ${peak_mlp} GFLOP/s on"
  echo "the MLP's (128x784)·(784x256) product; memory copy ${bw} GB/s. The matrix products of one MLP"
  echo "epoch alone (784-256-128-10, batch 128, 469 steps, forward and backward) take ${floor} s: no"
  echo "epoch of that MLP can be faster with OpenBLAS here."
  echo
  echo "| chapter | workload | time | result | achieved | share of limit |"
  echo "|---|---|---|---|---|---|"
} >"$out"
for prog in "$B"/ref/[0-9][0-9]_*/prog; do
  ch=$(basename "$(dirname "$prog")")
  n=${ch%%_*}
  t0=$(date +%s.%N)
  if "$prog" --out "$B/bench/$n" </dev/null >"$B/bench/$n.log" 2>&1; then status=ok; else status="exit $?"; fi
  secs=$(calc "$(date +%s.%N) - $t0")
  printf '| %s | default run (target < 60 s) | %.1f s | %s | | %.0f%% of the minute |\n' "$ch" "$secs" "$status" \
    "$(calc "100 * $secs / 60")" >>"$out"
  if "$prog" --help 2>/dev/null | grep -q -- '--bench'; then
    line=$("$prog" --bench --out "$B/bench/$n" </dev/null 2>"$B/bench/$n.bench.err" | grep '^bench:' | tail -n 1 || true)
    [ -n "$line" ] || { echo "| $ch | --bench | | printed no bench: line (see $B/bench/$n.bench.err) | | |" >>"$out"; continue; }
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${line#bench:}"; }
    name=$(get name); epoch=$(get epoch_s); acc=$(get test_acc); gf=$(get gflop_epoch)
    step=$(get step_s); gbs=$(get gbs); own_floor=$(get floor_s); tok=$(get tokens_s)
    if [ -n "$own_floor" ] && [ -n "$epoch" ] && [ -n "$gf" ]; then
      # a workload that measures its own products-only floor in the same process (chapters 3, 4, 7)
      ach=$(calc "$gf / $epoch")
      printf '| %s | %s: one epoch | %.3f s | test acc %.4f | %.1f GFLOP/s | %.0f%% of SGEMM (n=1024); %.2fx its products-only floor (%.3f s: its matrix products alone, same process); target <= 1.3x |\n' \
        "$ch" "$name" "$epoch" "$acc" "$ach" "$(calc "100 * $ach / $peak")" "$(calc "$epoch / $own_floor")" \
        "$own_floor" >>"$out"
      if [ "$name" = lenet5 ]; then
        # the same network in PyTorch 1.13 (Debian's python3-torch, 2 threads), right after ours
        tl=$(/usr/bin/python3 tools/bench_lenet_torch.py 2>"$B/bench/lenet5-pytorch.err" | grep '^bench:' || true)
        te=$(sed -n 's/.* epoch_s=\([^ ]*\).*/\1/p' <<<"$tl"); ta=$(sed -n 's/.* test_acc=\([^ ]*\).*/\1/p' <<<"$tl")
        tc=$(sed -n 's/.* cpu_s=\([^ ]*\).*/\1/p' <<<"$tl"); oc=$(get cpu_s)
        if [ -n "$te" ]; then
          printf '| %s | lenet5 in PyTorch 1.13 (2 threads): one epoch | %.3f s | test acc %.4f | %.1f GFLOP/s | ours is %.2fx faster (target > 1); processor time per epoch %.1f s vs ours %.1f s |\n' \
            "$ch" "$te" "$ta" "$(calc "$gf / $te")" "$(calc "$te / $epoch")" "${tc:-0}" "${oc:-0}" >>"$out"
        else
          echo "| $ch | lenet5 in PyTorch | | not run (see $B/bench/lenet5-pytorch.err; needs python3-torch) | | |" >>"$out"
        fi
      fi
    elif [ -n "$tok" ]; then
      # a sequence model: training tokens/s against its matrix products alone, per cell
      for cell in "" gru_; do
        t=$(get ${cell}tokens_s); fl=$(get ${cell}floor_tokens_s)
        [ -n "$t" ] && [ -n "$fl" ] || continue
        label=$name; [ -z "$cell" ] || label=${name%_*}_gru
        printf '| %s | %s: training | %.0f tokens/s | | products alone %.0f tokens/s | step takes %.2fx its products-only floor (target <= 1.3x) |\n' \
          "$ch" "$label" "$t" "$fl" "$(calc "$fl / $t")" >>"$out"
      done
      # the same model in PyTorch (Debian's python3-torch), in the same run, when it is installed
      if [ "$name" = char_lstm ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
        pt=$(/usr/bin/python3 tools/bench_torch_rnn.py 2>"$B/bench/$n.torch.err" || true)
        for cell in lstm gru; do
          v=$(sed -n "s/.* ${cell}_tokens_s=\([0-9.]*\).*/\1/p" <<<" $pt")
          [ -n "$v" ] && printf '| %s | char_%s in PyTorch %s (2 threads): training | %.0f tokens/s | | | ours is %.1fx faster |\n' \
            "$ch" "$cell" "$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" "$v" \
            "$(calc "$(get $([ $cell = lstm ] && echo tokens_s || echo gru_tokens_s)) / $v")" >>"$out"
        done
      fi
      # chapter 12's GPT: generation with and without the KV cache, and PyTorch on the same model
      if [ "$name" = gpt ]; then
        printf '| %s | gpt: generation, 127 tokens | %.0f tokens/s with the KV cache | | %.0f tokens/s without | the cache is %.1fx faster |\n' \
          "$ch" "$(get gen_kv_tokens_s)" "$(get gen_full_tokens_s)" "$(calc "$(get gen_kv_tokens_s) / $(get gen_full_tokens_s)")" >>"$out"
        pt=$(/usr/bin/python3 tools/bench_gpt_torch.py 2>"$B/bench/$n.torch.err" | grep '^bench:' || true)
        v=$(sed -n 's/.* tokens_s=\([0-9.]*\).*/\1/p' <<<" $pt")
        if [ -n "$v" ]; then
          printf '| %s | gpt in PyTorch %s (2 threads): training | %.0f tokens/s | | | ours is %.2fx faster (target > 1) |\n' \
            "$ch" "$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" "$v" "$(calc "$tok / $v")" >>"$out"
        else
          echo "| $ch | gpt in PyTorch | | not run (see $B/bench/$n.torch.err; needs python3-torch) | | |" >>"$out"
        fi
      fi
    elif [ "$name" = qgemm_int8 ]; then
      # chapter 11: the int8 GEMM (int32 accumulation) against cblas_sgemm on the same shapes, processor time
      printf '| %s | int8 GEMM (%s path) vs cblas_sgemm, same shapes | | | conv2 of LeNet: %s GOP/s vs %s GFLOP/s; fc1: %s vs %s; 1024^3: %s vs %s | int8 is %sx fp32 at n=1024 (per processor-second: OpenBLAS'"'"'s threads all counted) |\n' \
        "$ch" "$(get path)" "$(get conv2_int8_gops)" "$(get conv2_fp32_gflops)" "$(get fc1_int8_gops)" \
        "$(get fc1_fp32_gflops)" "$(get sq1024_int8_gops)" "$(get sq1024_fp32_gflops)" "$(get sq1024_ratio)" >>"$out"
    elif [ -n "$(get walk_steps_s)" ]; then
      # chapter 9's DeepWalk: random-walk steps and skip-gram pairs per second, on one core
      printf '| %s | %s: walks + skip-gram on the package graph (%s nodes, %s arcs) | %.1f s + %.1f s | | %.2fM walk steps/s, %.2fM skip-gram pairs/s | target: the full graph in under a minute |\n' \
        "$ch" "$name" "$(get nodes)" "$(get arcs)" "$(get walk_s)" "$(get sgns_s)" \
        "$(calc "$(get walk_steps_s) / 1e6")" "$(calc "$(get sgns_pairs_s) / 1e6")" >>"$out"
    elif [ -n "$gbs" ]; then
      printf '| %s | %s: one step | %.6f s | | %.1f GB/s | %.0f%% of memory copy bandwidth |\n' \
        "$ch" "$name" "${step:-0}" "$gbs" "$(calc "100 * $gbs / $bw")" >>"$out"
    elif [ -n "$epoch" ] && [ -n "$gf" ]; then
      ach=$(calc "$gf / $epoch")
      printf '| %s | %s: one epoch | %.3f s | test acc %.4f | %.1f GFLOP/s | %.0f%% of SGEMM (n=1024); the products-only floor is %.0f%% of this epoch; target <= 0.45 s |\n' \
        "$ch" "$name" "$epoch" "$acc" "$ach" "$(calc "100 * $ach / $peak")" \
        "$(calc "100 * $floor / $epoch")" >>"$out"
    else
      echo "| $ch | $name | | ${line#bench: } | | |" >>"$out"
    fi
  fi
done
cat "$out"
