/* test_13_cuda.c — the grader of chapter 13.
 *
 * Three kinds of tests:
 *   ex13_K   the exercises: pure arithmetic, checked on the CPU, so they grade on any machine;
 *   ch13     what needs no GPU either: the one table of kernels agrees with the files on disk,
 *            bad arguments give clear errors, the CPU references below are right;
 *   gpu      every kernel against a CPU reference at awkward sizes. Without a usable GPU each of
 *            these reports itself SKIPPED with the reason (no nvcc at build time, no driver, no
 *            device), and the grader counts it apart, neither passed nor failed.
 *
 * The CPU references are written here, independently of gpu/, in double precision.
 * Expected values worked out by hand are derived in the comment next to each check.
 */
#ifndef CHAPTER_SOURCE
#define CHAPTER_SOURCE "13_cuda.c"
#endif
#include CHAPTER_SOURCE

#include <criterion/criterion.h>
#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>

#include "../../common/tests/capture.h"
#include "test_cusim.c" /* gpu/test_cusim.c: the simulator's own tests (suite cusim) */

/* Without a GPU a gpu test skips, with the reason; but where NN_REQUIRE_GPU=1 (gpu/check.sh, on
 * the device machine) it fails: there a test that cannot reach the GPU is a broken setup. */
static int gpu_required(void)
{
    const char *v = getenv("NN_REQUIRE_GPU");
    return v && *v && strcmp(v, "0") != 0;
}

TestSuite(ex13_1, .timeout = 10);
TestSuite(ex13_2, .timeout = 10);
TestSuite(ex13_3, .timeout = 10);
TestSuite(ex13_4, .timeout = 10);
TestSuite(ex13_5, .timeout = 10);
TestSuite(ex13_6, .timeout = 10);
TestSuite(ex13_7, .timeout = 10);
TestSuite(ex13_8, .timeout = 10);
TestSuite(ex13_9, .timeout = 10);
TestSuite(ex13_10, .timeout = 30);
TestSuite(ex13_11, .timeout = 30);
TestSuite(ex13_12, .timeout = 30);
TestSuite(ex13_13, .timeout = 30);
TestSuite(ex13_14, .timeout = 30);
TestSuite(ex13_15, .timeout = 30);
TestSuite(ch13, .timeout = 30);
/* 900 s: under compute-sanitizer memcheck (gpu/check.sh) kernels run tens of times slower, and
 * Criterion's --timeout cannot raise a suite's own limit. A plain run takes seconds. */
TestSuite(gpu, .timeout = 900);

/* --- 13.1 the coalesced mapping ---------------------------------------------------------------- */

Test(ex13_1, worked_examples)
{
    int row = -1, col = -1;
    /* tile 32, block (2, 3), tid 70: row 2*32 + 70/32 = 66, col 3*32 + 70%32 = 102 */
    coalesced_index(32, 2, 3, 70, &row, &col);
    cr_assert(row == 66 && col == 102, "tile 32, block (2, 3), tid 70: expected (66, 102), got (%d, %d). "
              "Hint: the row comes from tid / tile, the column from tid %% tile, each offset by its block.",
              row, col);
    coalesced_index(16, 0, 0, 17, &row, &col); /* (17/16, 17%16) = (1, 1) */
    cr_assert(row == 1 && col == 1, "tile 16, block (0, 0), tid 17: expected (1, 1), got (%d, %d). "
              "Hint: use the tile argument, not a hard-coded 32.", row, col);
    /* tile 24 (not a power of two), block (1, 2), tid 100: row 24 + 100/24 = 28, col 48 + 100%24 = 52.
     * Shift and mask (100 >> 4 = 6, 100 & 23 = 4) would give (30, 52). */
    coalesced_index(24, 1, 2, 100, &row, &col);
    cr_assert(row == 28 && col == 52, "tile 24, block (1, 2), tid 100: expected (28, 52), got (%d, %d). "
              "Hint: the tile need not be a power of two: tid / tile and tid %% tile, not a shift and a mask.",
              row, col);
}

Test(ex13_1, a_warp_reads_32_consecutive_columns)
{
    /* Every warp (tids 32w .. 32w+31) of a 32x32 block: one row, columns c0 .. c0+31. */
    for (int w = 0; w < 32; w++) {
        int r0, c0;
        coalesced_index(32, 5, 7, 32 * w, &r0, &c0);
        for (int lane = 1; lane < 32; lane++) {
            int r, c;
            coalesced_index(32, 5, 7, 32 * w + lane, &r, &c);
            cr_assert(r == r0 && c == c0 + lane,
                      "warp %d, lane %d: expected (%d, %d) (same row as lane 0, column + %d), got (%d, %d). "
                      "Hint: consecutive threads must get consecutive columns; is it the other way round?",
                      w, lane, r0, c0 + lane, lane, r, c);
        }
    }
}

Test(ex13_1, covers_the_tile_exactly_once)
{
    const int tiles[] = {1, 2, 3, 4, 8, 12, 16, 24, 32}; /* powers of two and others */
    for (int ti = 0; ti < 9; ti++) {
        const int tile = tiles[ti];
        static int hits[32][32];
        memset(hits, 0, sizeof hits);
        for (int tid = 0; tid < tile * tile; tid++) {
            int r, c;
            coalesced_index(tile, 3, 1, tid, &r, &c);
            r -= 3 * tile, c -= 1 * tile;
            cr_assert(r >= 0 && r < tile && c >= 0 && c < tile,
                      "tile %d, block (3, 1), tid %d lands at (%d, %d) of the block's tile, outside it. "
                      "Hint: the block's tile starts at row block_row * tile, column block_col * tile.",
                      tile, tid, r, c);
            hits[r][c]++;
        }
        for (int r = 0; r < tile; r++)
            for (int c = 0; c < tile; c++)
                cr_assert(hits[r][c] == 1, "tile %d: element (%d, %d) of the tile is computed by %d threads, "
                          "expected exactly 1. Hint: the mapping must be one-to-one, for every tile size (not "
                          "only powers of two: divide, do not shift).", tile, r, c, hits[r][c]);
    }
}

/* --- 13.2 tile_count --------------------------------------------------------------------------- */

Test(ex13_2, small_values)
{
    const int n[] = {0, 1, 31, 32, 33, 64, 65, 1000}, want[] = {0, 1, 1, 1, 2, 2, 3, 32};
    for (int i = 0; i < 8; i++) {
        int got = tile_count(n[i], 32);
        cr_assert(got == want[i], "tile_count(%d, 32): expected %d, got %d. Hint: a partial last tile still "
                  "counts, an exact multiple adds no extra tile, and 0 elements need 0 tiles.", n[i], want[i], got);
    }
    cr_assert(tile_count(7, 1) == 7, "tile_count(7, 1): expected 7, got %d", tile_count(7, 1));
}

Test(ex13_2, no_overflow_near_int_max)
{
    /* (2^31 - 1) / 32 = 67108863.97: 67108864 tiles. (n + 31) / 32 would overflow first. */
    int got = tile_count(INT_MAX, 32);
    cr_assert(got == 67108864, "tile_count(INT_MAX, 32): expected 67108864, got %d. Hint: n + tile - 1 "
              "overflows an int here; can you count whole tiles with n / tile and add one for a remainder?", got);
    got = tile_count(INT_MAX, 1);
    cr_assert(got == INT_MAX, "tile_count(INT_MAX, 1): expected %d, got %d", INT_MAX, got);
}

Test(ex13_2, is_the_ceiling)
{
    rng_t r;
    rng_seed(&r, 13);
    for (int i = 0; i < 2000; i++) {
        int n = (int)rng_below(&r, 1u << 30), t = 1 + (int)rng_below(&r, 300);
        long long c = tile_count(n, t);
        cr_assert((c - 1) * t < n && n <= c * t, "tile_count(%d, %d) = %lld: expected the smallest count with "
                  "count * tile >= n. Hint: ceil(n / tile).", n, t, c);
    }
}

/* --- 13.3 bank conflicts ------------------------------------------------------------------------ */

Test(ex13_3, strides_by_hand)
{
    /* Thread t hits bank (t * s) mod 32; g = gcd(s, 32) threads share each bank hit. */
    const int s[] = {1, 2, 3, 4, 8, 16, 32, 33, 64, 6, 24}, want[] = {1, 2, 1, 4, 8, 16, 32, 1, 32, 2, 8};
    for (int i = 0; i < 11; i++) {
        int got = bank_conflict_ways(s[i]);
        cr_assert(got == want[i], "stride %d: expected a %d-way conflict, got %d. Hint: thread t reads word "
                  "t * stride, in bank (t * stride) %% 32; count the distinct words per bank and take the "
                  "largest count.", s[i], want[i], got);
    }
}

Test(ex13_3, broadcast_is_one_pass)
{
    int got = bank_conflict_ways(0);
    cr_assert(got == 1, "stride 0 (every thread reads the same word): expected 1, got %d. Hint: threads "
              "reading the same word are served together; only distinct words in one bank conflict.", got);
}

Test(ex13_3, padding_removes_the_column_conflict)
{
    /* Reading a column of float a[32][32] is stride 32; of float a[32][33], stride 33. */
    cr_assert(bank_conflict_ways(32) == 32 && bank_conflict_ways(33) == 1,
              "a column of a 32x32 array must be a 32-way conflict and of a 32x33 array none; got %d and %d. "
              "Hint: 33 * t mod 32 = t mod 32.", bank_conflict_ways(32), bank_conflict_ways(33));
}

/* --- 13.4 occupancy ------------------------------------------------------------------------------ */

Test(ex13_4, limited_by_threads_and_registers)
{
    /* 1024 threads, 32 regs, 8 KB: threads 2048/1024 = 2; regs 32*32 = 1024 per warp, 16384/1024 = 16
     * per sub-partition, 64 warps / 32 per block = 2; smem 233472 / 9216 = 25; blocks 32. -> 2 */
    int got = occupancy_blocks(&H100_SM, 1024, 32, 8192);
    cr_assert(got == 2, "1024 threads, 32 registers, 8 KB: expected 2 blocks, got %d. Hint: 2048 threads "
              "per SM, 1024 per block.", got);
    /* 128 threads, 185 regs, 16 KB: 185*32 = 5920 -> 6144 per warp; 16384/6144 = 2 warps per
     * sub-partition, 8 per SM; 8 / 4 warps per block = 2. threads 16, smem 233472/17408 = 13. -> 2 */
    got = occupancy_blocks(&H100_SM, 128, 185, 16384);
    cr_assert(got == 2, "128 threads, 185 registers, 16 KB: expected 2 blocks, got %d. Hint: 185 * 32 = 5920 "
              "registers round up to 6144 per warp.", got);
}

Test(ex13_4, registers_come_from_four_sub_partitions)
{
    /* 32 threads (1 warp), 185 regs, no smem: 6144 per warp; 16384 / 6144 = 2 per sub-partition, 4 * 2 = 8
     * warps = 8 blocks. The flat count 65536 / 6144 = 10 is what the hardware cannot do. threads 64,
     * smem 228, blocks 32. -> 8 */
    int got = occupancy_blocks(&H100_SM, 32, 185, 0);
    cr_assert(got == 8, "32 threads, 185 registers: expected 8 blocks, got %d. Hint: a warp's registers come "
              "from one of the 4 sub-partitions of 16384: 4 * floor(16384 / 6144) = 8 warps, not "
              "floor(65536 / 6144) = 10.", got);
    /* 256 threads (8 warps), 33 regs: 1056 -> 1280 per warp; 16384/1280 = 12 per sub-partition, 48
     * warps, 6 blocks. Without the rounding: 16384/1056 = 15, 60 warps, 7 blocks. -> 6 */
    got = occupancy_blocks(&H100_SM, 256, 33, 0);
    cr_assert(got == 6, "256 threads, 33 registers: expected 6 blocks, got %d. Hint: registers go to a warp in "
              "units of 256: 33 * 32 = 1056 rounds up to 1280.", got);
}

Test(ex13_4, limited_by_shared_memory)
{
    /* 256 threads, 32 regs, 48 KB: smem 233472 / (49152 + 1024) = 4.65 -> 4; threads 8; regs
     * 64 warps / 8 = 8. -> 4 */
    int got = occupancy_blocks(&H100_SM, 256, 32, 48 * 1024);
    cr_assert(got == 4, "256 threads, 48 KB of shared memory each: expected 4 blocks, got %d. Hint: "
              "233472 / (49152 + 1024).", got);
    /* 128 threads, 32 regs, 22 KB: 233472 / (22528 + 1024) = 9.9 -> 9; without the reservation
     * 233472 / 22528 = 10.4 -> 10. threads 16, regs 16. -> 9 */
    got = occupancy_blocks(&H100_SM, 128, 32, 22 * 1024);
    cr_assert(got == 9, "128 threads, 22 KB of shared memory each: expected 9 blocks, got %d. Hint: each "
              "block also costs the 1 KB the system reserves: 233472 / (22528 + 1024).", got);
}

Test(ex13_4, limited_by_blocks_and_partial_warps)
{
    /* 32 threads, 16 regs, no smem: threads 2048/32 = 64; regs 512 per warp, 4 * 32 = 128 warps;
     * smem 228; the 32-block limit decides. -> 32 */
    int got = occupancy_blocks(&H100_SM, 32, 16, 0);
    cr_assert(got == 32, "32 threads, 16 registers, no shared memory: expected 32 blocks (the per-SM block "
              "limit), got %d. Hint: does min() include sm->max_blocks?", got);
    /* 100 threads = 4 warps (a partial warp still takes a whole one): 2048 / 128 = 16, not
     * 2048 / 100 = 20; regs 16: 128 warps / 4 = 32. -> 16 */
    got = occupancy_blocks(&H100_SM, 100, 16, 0);
    cr_assert(got == 16, "100 threads, 16 registers: expected 16 blocks, got %d. Hint: 100 threads occupy 4 "
              "whole warps, 128 thread slots.", got);
    /* 33 threads = 2 warps: 2048/64 = 32 by threads, regs 255*32 = 8160 -> 8192 per warp: 2 per
     * sub-partition, 8 warps / 2 = 4. -> 4 */
    got = occupancy_blocks(&H100_SM, 33, 255, 0);
    cr_assert(got == 4, "33 threads (2 warps), 255 registers: expected 4 blocks, got %d. Hint: 33 threads "
              "occupy 2 whole warps; 255 * 32 registers round up to 8192 per warp.", got);
}

/* A made-up SM on which every limit differs from the H100's, so that a solution that writes the
 * H100's numbers (2048, 32, 65536, 256, 4, 228 KB, 1 KB) in place of the fields of sm is caught. */
static const sm_limits SMALL_SM = {1024, 8, 32768, 128, 2, 64 * 1024, 512};

Test(ex13_4, uses_the_limits_it_is_given)
{
    /* 256 threads, 16 regs: threads 1024 / 256 = 4 (H100: 8); regs 512 per warp, 2 * (16384 / 512) = 64
     * warps / 8 = 8; smem 65536 / 512 = 128; blocks 8. -> 4 */
    int got = occupancy_blocks(&SMALL_SM, 256, 16, 0);
    cr_assert(got == 4, "an SM of 1024 threads, 256 threads per block: expected 4 blocks, got %d. Hint: use "
              "sm->max_threads, not the H100's 2048.", got);
    /* 32 threads, 16 regs: threads 32; regs 64 warps; smem 128; blocks 8 (H100: 32). -> 8 */
    got = occupancy_blocks(&SMALL_SM, 32, 16, 0);
    cr_assert(got == 8, "an SM of at most 8 blocks, 32 threads per block: expected 8 blocks, got %d. Hint: use "
              "sm->max_blocks, not the H100's 32.", got);
    /* 32 threads, 130 regs: 4160 -> 4224 per warp (units of 128; units of 256 also give 4352);
     * 2 sub-partitions of 16384: 2 * 3 = 6 warps -> 6 blocks. H100's 65536 registers: 2 * 7 = 14 -> 8;
     * 4 sub-partitions of 8192: 4 * 1 = 4; flat 32768 / 4224 = 7. -> 6 */
    got = occupancy_blocks(&SMALL_SM, 32, 130, 0);
    cr_assert(got == 6, "an SM of 32768 registers in 2 sub-partitions, 32 threads of 130 registers: expected 6 "
              "blocks, got %d. Hint: use sm->regs and sm->reg_parts: 2 * floor(16384 / 4224) warps.", got);
    /* 64 threads (2 warps), 100 regs: 3200 per warp, a multiple of 128; 2 * floor(16384 / 3200) = 10 warps
     * -> 5 blocks. Units of 256 (3328 per warp): 2 * 4 = 8 warps -> 4. -> 5 */
    got = occupancy_blocks(&SMALL_SM, 64, 100, 0);
    cr_assert(got == 5, "an SM whose registers go to a warp in units of 128, 64 threads of 100 registers: "
              "expected 5 blocks, got %d. Hint: round 32 * 100 = 3200 up to a multiple of sm->reg_unit (it is "
              "one already), not of 256.", got);
    /* 32 threads, 16 regs, 21000 bytes: 65536 / (21000 + 512) = 3.05 -> 3; with the H100's 1 KB
     * reservation 65536 / 22024 = 2.98 -> 2; with its 228 KB, 10 -> 8. -> 3 */
    got = occupancy_blocks(&SMALL_SM, 32, 16, 21000);
    cr_assert(got == 3, "an SM of 64 KB of shared memory reserving 512 bytes per block, 21000 bytes per block: "
              "expected 3 blocks, got %d. Hint: use sm->smem and sm->smem_reserved: 65536 / (21000 + 512).", got);
}

/* --- 13.5 the roofline ------------------------------------------------------------------------ */

Test(ex13_5, both_sides_of_the_ridge)
{
    /* H100: peak 66900 GFLOP/s, 3350 GB/s, ridge 19.97 flop/byte. */
    double lo = roofline_gflops(0.25, 66900, 3350), hi = roofline_gflops(100, 66900, 3350);
    cr_assert(fabs(lo - 837.5) < 1e-9, "intensity 0.25: expected 0.25 * 3350 = 837.5 GFLOP/s (memory-bound), "
              "got %g. Hint: below the ridge, the bound is intensity times bandwidth.", lo);
    cr_assert(fabs(hi - 66900) < 1e-9, "intensity 100: expected the peak, 66900 GFLOP/s, got %g. "
              "Hint: the bound is the smaller of the two limits.", hi);
    double zero = roofline_gflops(0, 66900, 3350);
    cr_assert(zero == 0, "intensity 0 (no flops): expected 0, got %g", zero);
}

/* --- 13.6 tile intensity ------------------------------------------------------------------------- */

Test(ex13_6, square_tiles)
{
    /* bm = bn = t: 2 t^2 / (8 t) = t / 4 */
    const int t[] = {1, 32, 128};
    for (int i = 0; i < 3; i++) {
        double got = tile_intensity(t[i], t[i]);
        cr_assert(fabs(got - t[i] / 4.0) < 1e-12, "%dx%d tile: expected %g flop/byte (t/4), got %g. Hint: per "
                  "step of k the block loads bm + bn floats (4 bytes each) and does 2 * bm * bn flops.",
                  t[i], t[i], t[i] / 4.0, got);
    }
}

Test(ex13_6, rectangular_tile)
{
    /* 64 x 256: 2*64*256 / (4*320) = 32768 / 1280 = 25.6 */
    double got = tile_intensity(64, 256);
    cr_assert(fabs(got - 25.6) < 1e-12, "64x256 tile: expected 25.6 flop/byte, got %g. Hint: "
              "2 bm bn / (4 (bm + bn)); compute in double, not int.", got);
}

/* --- 13.7 softmax merge ------------------------------------------------------------------------ */

/* The state of x[0..n) computed the two-pass way, in double: (max, sum exp(x - max)). */
static void softmax_state_ref(const float *x, int n, double *m, double *d)
{
    *m = -INFINITY;
    for (int i = 0; i < n; i++)
        *m = fmax(*m, x[i]);
    *d = 0;
    for (int i = 0; i < n; i++)
        *d += exp(x[i] - *m);
}

Test(ex13_7, two_elements_by_hand)
{
    /* {1, 1} merged with {3, 1}: M = 3, d = e^(1-3) + e^0 = 1.1353352832 */
    softmax_state s = softmax_merge(softmax_one(1.0f), softmax_one(3.0f));
    cr_assert(s.m == 3.0f && fabsf(s.d - 1.1353352832f) < 1e-6f, "merge({1,1}, {3,1}): expected {3, 1.135335}, "
              "got {%g, %g}. Hint: rescale both sums to the larger maximum: d_a e^(m_a - M) + d_b e^(m_b - M).",
              s.m, s.d);
    softmax_state t = softmax_merge(softmax_one(3.0f), softmax_one(1.0f));
    cr_assert(t.m == s.m && t.d == s.d, "the merge must not depend on the order of its arguments: "
              "got {%g, %g} and {%g, %g}", s.m, s.d, t.m, t.d);
}

Test(ex13_7, empty_and_masked_states)
{
    const softmax_state empty = {-INFINITY, 0.0f};
    softmax_state s = softmax_merge(empty, (softmax_state){2.0f, 5.0f});
    cr_assert(s.m == 2.0f && s.d == 5.0f, "merge(empty, {2, 5}): expected {2, 5} unchanged, got {%g, %g}. "
              "Hint: a state with m = -inf holds nothing: return the other one.", s.m, s.d);
    s = softmax_merge((softmax_state){2.0f, 5.0f}, empty);
    cr_assert(s.m == 2.0f && s.d == 5.0f, "merge({2, 5}, empty): expected {2, 5}, got {%g, %g}", s.m, s.d);
    s = softmax_merge(empty, empty);
    cr_assert(s.m == -INFINITY && !isnan(s.d), "merge of two empty states: expected {-inf, 0}, got {%g, %g}. "
              "Hint: exp(-inf - (-inf)) is exp(NaN); check for m = -inf before subtracting.", s.m, s.d);
    /* A masked element is the state {-inf, 1}: no mass, although its d is not 0. */
    s = softmax_merge(softmax_one(-INFINITY), softmax_one(-INFINITY));
    cr_assert(s.m == -INFINITY && !isnan(s.d), "merge of two masked elements {-inf, 1}: expected m = -inf and "
              "no NaN, got {%g, %g}. Hint: emptiness is m = -inf, whatever d is; testing d == 0 misses a "
              "masked element.", s.m, s.d);
    s = softmax_merge(softmax_one(-INFINITY), (softmax_state){2.0f, 5.0f});
    cr_assert(s.m == 2.0f && s.d == 5.0f, "merge({-inf, 1}, {2, 5}): expected {2, 5}, got {%g, %g}. Hint: a "
              "state with m = -inf holds nothing.", s.m, s.d);
}

Test(ex13_7, fold_and_tree_match_two_passes)
{
    rng_t r;
    rng_seed(&r, 7);
    float x[1024];
    for (int i = 0; i < 1024; i++)
        x[i] = 20 * rng_normal(&r) + (i % 97 == 0 ? 60 : 0); /* large values: exp would overflow unshifted */
    double m, d;
    softmax_state_ref(x, 1024, &m, &d);
    softmax_state fold = {-INFINITY, 0.0f}, level[1024];
    for (int i = 0; i < 1024; i++) {
        fold = softmax_merge(fold, softmax_one(x[i]));
        level[i] = softmax_one(x[i]);
    }
    for (int width = 1024; width > 1; width /= 2) /* pairwise, like the warp's shuffles */
        for (int i = 0; i < width / 2; i++)
            level[i] = softmax_merge(level[2 * i], level[2 * i + 1]);
    /* float rounding over 1024 merges: relative error well under 1e-4 */
    cr_assert(fold.m == (float)m && fabs(fold.d - d) < 1e-4 * d, "element by element over 1024 values: "
              "expected {%g, %g}, got {%g, %g}. Hint: the merged state must equal the two-pass max and "
              "sum of exp(x - max).", m, d, fold.m, fold.d);
    cr_assert(level[0].m == (float)m && fabs(level[0].d - d) < 1e-4 * d, "pairwise tree over 1024 values: "
              "expected {%g, %g}, got {%g, %g}. Hint: each d is a sum relative to its own maximum; bring both to M: "
              "d_a e^(m_a - M) + d_b e^(m_b - M).", m, d, level[0].m, level[0].d);
}

/* --- 13.8 Welford merge ------------------------------------------------------------------------- */

Test(ex13_8, four_values_by_hand)
{
    /* {1, 2, 3, 4}: mean 2.5, m2 = 2.25 + 0.25 + 0.25 + 2.25 = 5. */
    welford_state a = welford_merge(welford_one(1), welford_one(2)); /* {2, 1.5, 0.5} */
    welford_state b = welford_merge(welford_one(3), welford_one(4)); /* {2, 3.5, 0.5} */
    cr_assert(a.n == 2 && a.mean == 1.5f && fabsf(a.m2 - 0.5f) < 1e-6f, "merge({1,1,0}, {1,2,0}): expected "
              "{2, 1.5, 0.5}, got {%d, %g, %g}. Hint: delta = 1, m2 = 0 + 0 + 1 * 1 * 1 / 2.", a.n, a.mean, a.m2);
    welford_state s = welford_merge(a, b);
    cr_assert(s.n == 4 && s.mean == 2.5f && fabsf(s.m2 - 5.0f) < 1e-6f, "{1,2} merged with {3,4}: expected "
              "{4, 2.5, 5}, got {%d, %g, %g}. Hint: delta = 2, m2 = 0.5 + 0.5 + 4 * 2 * 2 / 4.", s.n, s.mean,
              s.m2);
}

Test(ex13_8, unequal_parts_by_hand)
{
    /* {1} merged with {2, 3, 4, 5, 6, 7}: n 7, mean 4, m2 = 9+4+1+0+1+4+9 = 28.
     * a = {1, 1, 0}, b = {6, 4.5, 17.5}: delta = 3.5, mean = 1 + 3.5 * 6/7 = 4,
     * m2 = 0 + 17.5 + 12.25 * 6 / 7 = 28. An unweighted average of the means would give 2.75. */
    welford_state b = {6, 4.5f, 17.5f};
    welford_state s = welford_merge(welford_one(1), b);
    cr_assert(s.n == 7 && fabsf(s.mean - 4.0f) < 1e-6f && fabsf(s.m2 - 28.0f) < 1e-5f, "merge({1, 1, 0}, "
              "{6, 4.5, 17.5}): expected {7, 4, 28}, got {%d, %g, %g}. Hint: the parts weigh by their counts: "
              "mean = mean_a + delta n_b / n, m2 = m2_a + m2_b + delta^2 n_a n_b / n.", s.n, s.mean, s.m2);
    welford_state t = welford_merge(b, welford_one(1));
    cr_assert(t.n == 7 && fabsf(t.mean - 4.0f) < 1e-6f && fabsf(t.m2 - 28.0f) < 1e-5f, "merge({6, 4.5, 17.5}, "
              "{1, 1, 0}): expected {7, 4, 28}, got {%d, %g, %g}. Hint: the merge must not depend on the order.",
              t.n, t.mean, t.m2);
}

Test(ex13_8, empty_parts)
{
    const welford_state empty = {0, 0.0f, 0.0f}, x = {3, 7.0f, 2.0f};
    welford_state s = welford_merge(empty, x);
    cr_assert(s.n == 3 && s.mean == 7.0f && s.m2 == 2.0f, "merge(empty, {3, 7, 2}): expected it unchanged, "
              "got {%d, %g, %g}. Hint: with n_a = 0 the formulas divide by n = n_b, but check for empty "
              "parts first.", s.n, s.mean, s.m2);
    s = welford_merge(x, empty);
    cr_assert(s.n == 3 && s.mean == 7.0f && s.m2 == 2.0f, "merge({3, 7, 2}, empty): expected it unchanged, "
              "got {%d, %g, %g}", s.n, s.mean, s.m2);
    s = welford_merge(empty, empty);
    cr_assert(s.n == 0 && !isnan(s.mean) && !isnan(s.m2), "merge(empty, empty): expected an empty state, no "
              "NaN (0/0), got {%d, %g, %g}. Hint: n = 0 + 0 makes n_b / n a 0/0; return the other part when one "
              "is empty, before dividing.", s.n, s.mean, s.m2);
}

Test(ex13_8, large_offset_keeps_the_variance)
{
    /* 4096 values 10000 + N(0, 1): the variance must come out near 1, which E[x^2] - mean^2 in
     * float cannot do (x^2 ~ 1e8 is rounded in steps of 8). Reference: two-pass in double. */
    rng_t r;
    rng_seed(&r, 11);
    float x[4096];
    double mean = 0, m2 = 0;
    for (int i = 0; i < 4096; i++)
        mean += x[i] = 10000 + rng_normal(&r);
    mean /= 4096;
    for (int i = 0; i < 4096; i++)
        m2 += (x[i] - mean) * (x[i] - mean);
    /* Parts of unequal sizes: 4096 = 1 + 3 + 12 + 48 + ...; fold them left to right. */
    welford_state level[4096], total = {0, 0.0f, 0.0f};
    for (int i = 0; i < 4096; i++)
        level[i] = welford_one(x[i]);
    for (int w = 4096; w > 1; w /= 2)
        for (int i = 0; i < w / 2; i++)
            level[i] = welford_merge(level[2 * i], level[2 * i + 1]);
    for (int start = 0, len = 1; start < 4096; start += len, len *= 3) {
        welford_state part = {0, 0.0f, 0.0f};
        for (int i = start; i < start + len && i < 4096; i++)
            part = welford_merge(part, welford_one(x[i]));
        total = welford_merge(total, part);
    }
    cr_assert(total.n == 4096 && fabs(total.mean - mean) < 1e-2 && fabs(total.m2 / 4096 - m2 / 4096) < 1e-2 * m2 / 4096,
              "parts of 1, 3, 9, 27, ... values near 10000 merged in turn: expected n 4096, mean %.4f, variance "
              "%.4f; got %d, %.4f, %.4f. Hint: parts of unequal counts weigh by n_a and n_b.", mean, m2 / 4096,
              total.n, total.mean, total.m2 / 4096);
    double var = level[0].m2 / level[0].n, want = m2 / 4096;
    cr_assert(level[0].n == 4096 && fabs(level[0].mean - mean) < 1e-3 && fabs(var - want) < 1e-2 * want,
              "pairwise merges of 4096 values near 10000: expected n 4096, mean %.4f, variance %.4f; got %d, "
              "%.4f, %.4f. Hint: m2 = m2_a + m2_b + delta^2 n_a n_b / n, and mean = mean_a + delta n_b / n.",
              mean, want, level[0].n, level[0].mean, var);
}

/* --- 13.9 attention rescale ------------------------------------------------------------------- */

Test(ex13_9, first_tile_and_smaller_maximum)
{
    float o[3] = {0, 0, 0}, l = 0, m = -INFINITY;
    attn_rescale(o, 3, &l, &m, 2.0f); /* first tile: m = 2, nothing to rescale (all zero) */
    cr_assert(m == 2.0f && l == 0 && o[0] == 0 && !isnan(o[1]), "first tile (m = -inf) with maximum 2: "
              "expected m = 2, l = 0, o = 0, got m = %g, l = %g, o[0] = %g. Hint: exp(-inf - 2) = 0, no NaN.",
              m, l, o[0]);
    float p[2] = {1.0f, -2.0f};
    float lp = 3.0f, mp = 5.0f;
    attn_rescale(p, 2, &lp, &mp, 4.0f); /* smaller tile maximum: nothing changes */
    cr_assert(mp == 5.0f && lp == 3.0f && p[0] == 1.0f && p[1] == -2.0f, "tile maximum 4 below the running "
              "maximum 5: expected everything unchanged, got m = %g, l = %g, o = (%g, %g). Hint: the new "
              "maximum is max(m, m_tile); the factor exp(m - m_new) is then 1.", mp, lp, p[0], p[1]);
}

Test(ex13_9, larger_maximum_rescales_everything)
{
    /* m = 1 -> 3: factor e^-2 = 0.1353352832 */
    float o[5] = {1, 2, -4, 0.5f, 7}, l = 10, m = 1; /* o[4] is past the d = 4 entries: a guard */
    attn_rescale(o, 4, &l, &m, 3.0f);
    const float c = 0.1353352832f, want[4] = {c, 2 * c, -4 * c, 0.5f * c};
    cr_assert(m == 3.0f, "expected the running maximum to become 3, got %g", m);
    cr_assert(fabsf(l - 10 * c) < 1e-6f, "l: expected 10 e^(1-3) = %g, got %g. Hint: l is a sum of "
              "exp(s - m) terms, rescaled like o.", 10 * c, l);
    for (int i = 0; i < 4; i++)
        cr_assert(fabsf(o[i] - want[i]) < 1e-6f, "o[%d]: expected %g (times e^(1-3)), got %g. Hint: every one "
                  "of the d entries is multiplied by the same factor.", i, want[i], o[i]);
    cr_assert(o[4] == 7, "the float after o's d = 4 entries changed from 7 to %g. Hint: o has d entries, "
              "o[0] .. o[d - 1]: the loop runs while i < d.", o[4]);
}

Test(ex13_9, all_masked_changes_nothing)
{
    float o[2] = {0, 0}, l = 0, m = -INFINITY;
    attn_rescale(o, 2, &l, &m, -INFINITY);
    cr_assert(m == -INFINITY && l == 0 && o[0] == 0 && o[1] == 0, "no key seen yet and a fully masked tile: "
              "expected nothing to change, got m = %g, l = %g, o = (%g, %g). Hint: when the new maximum is "
              "still -inf, return before computing exp(-inf - (-inf)) = NaN.", m, l, o[0], o[1]);
}

/* Causal attention for one head the direct way, in double: o = softmax(q k^T / sqrt(D)) v. */
static void attention_ref(double *o, const float *q, const float *k, const float *v, int T, int D, int causal)
{
    double *s = nn_malloc((size_t)T * sizeof(double));
    for (int i = 0; i < T; i++) {
        double m = -INFINITY, sum = 0;
        int keys = causal ? i + 1 : T;
        for (int j = 0; j < keys; j++) {
            s[j] = 0;
            for (int d = 0; d < D; d++)
                s[j] += (double)q[i * D + d] * k[j * D + d];
            s[j] /= sqrt((double)D);
            m = fmax(m, s[j]);
        }
        for (int j = 0; j < keys; j++)
            sum += s[j] = exp(s[j] - m);
        for (int d = 0; d < D; d++) {
            double acc = 0;
            for (int j = 0; j < keys; j++)
                acc += s[j] * v[j * D + d];
            o[i * D + d] = acc / sum;
        }
    }
    free(s);
}

Test(ex13_9, tiled_algorithm_on_the_cpu_matches_the_formula)
{
    /* The fused kernel's algorithm, one query at a time, tiles of 8 keys, built on attn_rescale. */
    enum { T = 29, D = 5, BC = 8 };
    rng_t r;
    rng_seed(&r, 5);
    float q[T * D], k[T * D], v[T * D];
    for (int i = 0; i < T * D; i++)
        q[i] = 2 * rng_normal(&r), k[i] = 2 * rng_normal(&r), v[i] = rng_normal(&r);
    double ref[T * D];
    attention_ref(ref, q, k, v, T, D, 1);
    for (int i = 0; i < T; i++) {
        float o[D] = {0}, l = 0, m = -INFINITY;
        for (int j0 = 0; j0 < T; j0 += BC) {
            float s[BC], mt = -INFINITY;
            for (int j = 0; j < BC; j++) {
                int key = j0 + j;
                s[j] = -INFINITY;
                if (key < T && key <= i) { /* causal: later keys are masked */
                    s[j] = 0;
                    for (int d = 0; d < D; d++)
                        s[j] += q[i * D + d] * k[key * D + d];
                    s[j] /= sqrtf(D);
                }
                mt = fmaxf(mt, s[j]);
            }
            attn_rescale(o, D, &l, &m, mt);
            for (int j = 0; j < BC; j++) {
                float p = s[j] == -INFINITY ? 0 : expf(s[j] - m);
                l += p;
                for (int d = 0; d < D; d++)
                    o[d] += p * v[(j0 + j < T ? j0 + j : 0) * D + d];
            }
        }
        for (int d = 0; d < D; d++)
            cr_assert(fabs(o[d] / l - ref[i * D + d]) < 1e-4, "query %d, component %d: the tiled online "
                      "algorithm gives %g, the direct formula %g. Hint: are o and l both rescaled by "
                      "exp(m_old - m_new), and m updated?", i, d, o[d] / l, ref[i * D + d]);
    }
}

/* --- 13.10 to 13.15: kernels on the simulator ----------------------------------------------------
 * Each kernel runs on gpu/cusim.c. A check looks at the result (against a double-precision CPU
 * reference) and at what the simulator measured: errors (out of bounds, races, barrier
 * divergence), sectors per global request, wavefronts per shared request, request counts. */

static float *sim_rand(const char *name, size_t n, rng_t *r, float scale)
{
    float *p = cusim_malloc(n * sizeof(float), name);
    cr_assert(p, "cusim_malloc(%zu floats) failed", n);
    for (size_t i = 0; i < n; i++)
        p[i] = scale * rng_range(r, -1, 1);
    return p;
}

/* The largest number of sectors (global) or wavefronts (shared) of one request of `kind`. */
static int sim_max_per_request(const cusim_stats_t *st, cusim_kind_t kind)
{
    int worst = 0;
    for (int i = 0; i < st->n_sites; i++)
        if (st->sites[i].kind == kind && st->sites[i].max_ways > worst)
            worst = st->sites[i].max_ways;
    return worst;
}

/* No simulated error, or the first one, with a hint for its kind. */
static void assert_no_sim_errors(const cusim_stats_t *st, const char *what)
{
    cr_assert(st->errors == 0, "%s: the simulator found %d error(s) (%d out of bounds, %d races, %d barrier "
              "divergences); the first: %s. Hint: %s", what, st->errors, st->out_of_bounds, st->races,
              st->divergences, st->messages[0],
              st->out_of_bounds ? "does every thread check its index against the size before LD/ST?"
              : st->races ? "two threads touched one shared word with no SYNC() between: which barrier is missing?"
                          : "every thread of the block must reach every SYNC(): is one inside an if?");
}

static void assert_close(const float *got, const double *ref, size_t n, double tol, const char *what,
                         const char *hint)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - ref[i]) <= tol * (1 + fabs(ref[i])), "%s: element %zu is %.7g, expected %.7g. "
                  "Hint: %s", what, i, got[i], ref[i], hint);
}

/* 13.10 */
static void check_saxpy(int n, cusim_stats_t *st)
{
    rng_t r;
    rng_seed(&r, (uint64_t)n);
    float *x = sim_rand("x", (size_t)n, &r, 1), *y = sim_rand("y", (size_t)n, &r, 1);
    double *ref = nn_malloc((size_t)n * sizeof(double));
    for (int i = 0; i < n; i++)
        ref[i] = 3.0 * x[i] + y[i];
    cr_assert(sim_saxpy(st, y, x, 3.0f, n) == 0);
    assert_no_sim_errors(st, "saxpy");
    assert_close(y, ref, (size_t)n, 1e-6, "y = 3 x + y",
                 "every element once: thread t of the block takes base + j * blockDim.x + t at iteration j?");
    cusim_free(x), cusim_free(y), free(ref);
}

Test(ex13_10, every_element_once_at_odd_sizes)
{
    const int sizes[] = {1, 31, 1000, 1537};
    for (int i = 0; i < 4; i++) {
        cusim_stats_t st;
        check_saxpy(sizes[i], &st);
    }
}

Test(ex13_10, loads_coalesce)
{
    cusim_stats_t st;
    check_saxpy(4096, &st);
    int worst = sim_max_per_request(&st, CUSIM_GLOBAL_LOAD);
    cr_assert(worst <= 4, "your loads take up to %d sectors per warp request (%ld sectors in %ld requests); a "
              "coalesced mapping takes 4 (32 floats = 128 bytes). Hint: at iteration j, neighbouring threads must "
              "read neighbouring elements: i = base + j * blockDim.x + threadIdx.x, not "
              "base + threadIdx.x * EX_MAP_PER_THREAD + j.", worst, st.global_load_sectors, st.global_load_requests);
    cr_assert(st.global_load_requests == 2 * 4096 / 32, "expected %d load requests (x and y, once each), got %ld. "
              "Hint: read each of x[i] and y[i] once.", 2 * 4096 / 32, st.global_load_requests);
}

/*hint 13.10
1. At iteration j, which elements do the 32 threads of a warp touch? Are they next to each other?
2. The block's threads should sweep its chunk blockDim.x elements at a time: iteration j covers
   base + j * blockDim.x .. base + (j + 1) * blockDim.x - 1.
3. i = base + j * blockDim.x + threadIdx.x; then if (i < n) ST(y, i, a * LD(x, i) + LD(y, i)).
*/
/*note 13.10
Giving each thread a contiguous chunk (i = base + threadIdx.x * 4 + j) feels natural on a CPU, where
one core streams through memory; on a GPU it puts the 32 lanes of a warp 16 bytes apart, so one
request touches 16 sectors instead of 4. The rule: consecutive threads, consecutive addresses, at
every instruction. The SGEMM kernels apply it through coalesced_index (exercise 13.1).
*/

/* 13.11 */
static void check_block_sum(int n, cusim_stats_t *st)
{
    rng_t r;
    rng_seed(&r, (uint64_t)n + 5);
    int blocks = (n + EX_REDUCE_THREADS - 1) / EX_REDUCE_THREADS;
    float *x = sim_rand("x", (size_t)n, &r, 1), *out = cusim_malloc((size_t)blocks * 4, "out");
    for (int b = 0; b < blocks; b++) /* cudaMalloc's memory is not zeroed: out holds garbage */
        out[b] = NAN;
    double *ref = nn_calloc((size_t)blocks, sizeof(double));
    for (int i = 0; i < n; i++)
        ref[i / EX_REDUCE_THREADS] += x[i];
    cr_assert(sim_block_sum(st, out, x, n) == 0);
    assert_no_sim_errors(st, "block sum");
    assert_close(out, ref, (size_t)blocks, 1e-5, "out[b], the sum of block b's elements",
                 "the elements beyond n count as 0, and thread 0 stores buf[0] into out[b] after the last level "
                 "(out held NaN before the kernel, as memory from cudaMalloc holds garbage: store, do not add).");
    cusim_free(x), cusim_free(out), free(ref);
}

Test(ex13_11, sums_every_block)
{
    const int sizes[] = {256, 1000, 3 * 256 + 1};
    for (int i = 0; i < 3; i++) {
        cusim_stats_t st;
        check_block_sum(sizes[i], &st);
    }
}

Test(ex13_11, a_barrier_between_levels_and_no_bank_conflicts)
{
    cusim_stats_t st;
    check_block_sum(1024, &st);
    /* 4 blocks x 8 barriers: one between the loads and level 1 and one between each two of the log2 256 = 8
     * levels. One after the last level is usual (the hint's form) but not needed: only thread 0 reads buf[0],
     * which it wrote itself. The race detector (sums_every_block) catches a missing barrier where it matters;
     * this count catches a tree finished some other way, which the prose does not ask for. */
    cr_assert(st.barriers >= 4 * 8, "expected at least %d barriers (in each of the 4 blocks, one between the loads "
              "and the first level and one between each two of the 8 levels), got %ld. Hint: a level reads what "
              "the previous one wrote, so every level of the shared-memory tree, down to s = 1, is separated "
              "from the next by a SYNC() that every thread reaches.", 4 * 8, st.barriers);
    cr_assert(st.shared_max_ways == 1, "your tree reads shared memory with %d-way bank conflicts; sequential "
              "addressing (buf[t] += buf[t + s], s halving) has none. Hint: interleaved addressing "
              "(buf[2 s t] += buf[2 s t + s]) puts the active lanes 2s words apart.", st.shared_max_ways);
    /* thread 0 alone stores out[b]: one warp-wide request per block, a single lane in it */
    cr_assert(st.global_store_requests == 4, "expected 4 global store requests (thread 0 of each of the 4 blocks "
              "stores out[b]), got %ld. Hint: only thread 0 writes buf[0] to out[b]; the other threads of the "
              "block would write it again, one request per warp.", st.global_store_requests);
}

/*hint 13.11
1. After writing its element to buf, may a thread read its neighbour's? What must happen between?
2. Halve the number of active threads each level: thread t < s adds buf[t + s] into buf[t]; every
   thread of the block, active or not, then waits at SYNC().
3. ST(buf, t, i < n ? LD(x, i) : 0); SYNC(); for (s = blockDim.x / 2; s > 0; s /= 2)
   { if (t < s) ST(buf, t, LD(buf, t) + LD(buf, t + s)); SYNC(); } and thread 0 stores buf[0].
*/
/*note 13.11
The simulator runs the threads of a block one after another, so a missing barrier often gives the
right sum here; a GPU interleaves them and gives a wrong one now and then. That is why it reports
the race itself. A SYNC() inside if (t < s) is worse: threads t >= s never arrive, which is
undefined behaviour (a hang, or silent corruption). Production reductions finish the last 32 values
with warp shuffles (gpu/reduce.cuh), as exercise 13.14 does.
*/

/* 13.12 and 13.13 */
static void check_gemm(int version, int M, int N, int K, cusim_stats_t *st, const char *hint)
{
    rng_t r;
    rng_seed(&r, (uint64_t)(M * 131 + N * 7 + K));
    float *A = sim_rand("A", (size_t)M * K, &r, 1), *B = sim_rand("B", (size_t)K * N, &r, 1);
    float *C = cusim_malloc((size_t)M * N * 4, "C");
    for (size_t i = 0; i < (size_t)M * N; i++) /* cudaMalloc's memory is not zeroed: C holds garbage */
        C[i] = NAN;
    double *ref = nn_calloc((size_t)M * N, sizeof(double));
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < N; j++)
                ref[(size_t)i * N + j] += (double)A[(size_t)i * K + k] * B[(size_t)k * N + j];
    cr_assert(sim_sgemm(st, version, C, A, B, M, N, K) == 0);
    char what[128];
    snprintf(what, sizeof what, "%s SGEMM, M = %d, N = %d, K = %d", version == 1 ? "tiled" : "register-tiled", M, N,
             K);
    assert_no_sim_errors(st, what);
    size_t nan_at = 0;
    while (nan_at < (size_t)M * N && !isnan(C[nan_at]))
        nan_at++;
    cr_assert(nan_at == (size_t)M * N, "%s: C held NaN before the launch (memory from cudaMalloc holds garbage), "
              "and C[%zu] is NaN after it. Hint: store each sum into C (C = A B), do not add to what C held; "
              "and is every element of C stored?%s", what, nan_at,
              version == 1 ? " Shared memory starts as garbage too (NaN in the simulator): does every thread "
                             "store its As and Bs element, 0 outside the matrices, at every step?" : "");
    assert_close(C, ref, (size_t)M * N, 1e-5 * K, what, hint);
    cusim_free(A), cusim_free(B), cusim_free(C), free(ref);
}

static const int GEMM_SIZES[][3] = {{1, 1, 1}, {16, 16, 16}, {37, 45, 29}, {33, 17, 50}, {5, 70, 3}};

Test(ex13_12, odd_sizes)
{
    for (int i = 0; i < 5; i++) {
        cusim_stats_t st;
        check_gemm(1, GEMM_SIZES[i][0], GEMM_SIZES[i][1], GEMM_SIZES[i][2], &st,
                   "outside the matrices a tile holds zeros: load A[row][k0 + tx] only if row < M and k0 + tx < K "
                   "(strictly less), B[k0 + ty][col] only if k0 + ty < K and col < N.");
    }
}

Test(ex13_12, tile_loads_coalesce)
{
    cusim_stats_t st;
    check_gemm(1, 64, 64, 64, &st, "see the odd sizes");
    int worst = sim_max_per_request(&st, CUSIM_GLOBAL_LOAD);
    cr_assert(worst <= 4, "your tile loads take up to %d sectors per warp request; a coalesced load takes 4 (two "
              "rows of 16 floats per warp). Hint: threadIdx.x must move along a row of A and of B: A[row][k0 + tx] "
              "and B[k0 + ty][col], with col = blockIdx.x * EX_TILE + tx.", worst);
    long want = 2L * (64 / EX_TILE) * (64 / EX_TILE) * (64 / EX_TILE) * (EX_TILE * EX_TILE / 32);
    cr_assert(st.global_load_requests == want, "expected %ld global load requests (each element of a tile loaded "
              "once per block), got %ld. Hint: the inner product must read the tiles in shared memory, not A and B.",
              want, st.global_load_requests);
}

/*hint 13.12
1. What must be true of As and Bs before any thread starts the inner loop? And before any thread
   overwrites them with the next tile?
2. Two barriers per tile: after the loads, and after the inner loop. Out-of-range elements load 0.
3. ST(As[ty], tx, row < M && k0 + tx < K ? LD(A, row * K + k0 + tx) : 0); likewise Bs[ty][tx] =
   B[k0 + ty][col]; SYNC(); acc += As[ty][k] * Bs[k][tx] for k < EX_TILE; SYNC().
*/
/*note 13.12
Each element of A and B now comes from global memory once per block instead of once per thread:
16 times less traffic. The second barrier is the easy one to forget: without it a fast thread
loads the next tile over the one its neighbours are still reading (a write-after-read race). The
library's kernel 3 (gpu/sgemm/03_smem.cuh) is this kernel with 32 x 32 tiles.
*/

Test(ex13_13, odd_sizes)
{
    for (int i = 0; i < 5; i++) {
        cusim_stats_t st;
        check_gemm(2, GEMM_SIZES[i][0], GEMM_SIZES[i][1], GEMM_SIZES[i][2], &st,
                   "thread (tx, ty) owns rows ty * EX_TM + i and columns tx * EX_TN + j of the tile: a[i] = "
                   "As_k[ty * EX_TM + i], b[j] = Bs_k[tx * EX_TN + j].");
    }
}

Test(ex13_13, each_value_loaded_once_into_a_register)
{
    cusim_stats_t st;
    check_gemm(2, 64, 64, 64, &st, "see the odd sizes");
    /* 2 x 2 blocks of 64 threads (2 warps), 8 tiles of 8 steps: (EX_TM + EX_TN) requests per warp
     * and step, plus nothing else. */
    long steps = 2L * 2 * 2 * (64 / EX_BK) * EX_BK;
    double per_step = (double)st.shared_load_requests / steps;
    cr_assert(per_step <= EX_TM + EX_TN, "your step issues %.1f shared-memory loads per warp per k; loading each "
              "value once into a register takes %d (%d of A, %d of B) for %d FMAs. Hint: load a[i] and b[j] "
              "first, then multiply from registers.", per_step, EX_TM + EX_TN, EX_TM, EX_TN, EX_TM * EX_TN);
    int ways = sim_max_per_request(&st, CUSIM_SHARED_LOAD);
    cr_assert(ways == 1, "shared-memory loads with %d-way bank conflicts. Hint: lanes of a warp with the same ty "
              "read the same a[i] (a broadcast); b[j] of neighbouring tx are EX_TN words apart.", ways);
}

/*hint 13.13
1. How many times is As_k[ty * EX_TM + i] used in the EX_TM x EX_TN products of one step?
2. Copy the EX_TM values of A and the EX_TN values of B the thread needs into local arrays
   (registers) first; the products then read only registers.
3. a[i] = LD(As_k, ty * EX_TM + i); b[j] = LD(Bs_k, tx * EX_TN + j); acc[i][j] += a[i] * b[j].
*/
/*note 13.13
Eight shared loads now feed sixteen FMAs; with 8 x 8 per thread (kernel 5 of the ladder) sixteen
feed sixty-four. Shared-memory bandwidth, the limit of kernel 3, stops being one, at the price of
64 accumulators per thread: registers, hence occupancy (exercise 13.4), are the next limit.
*/

/* 13.14 */
static void check_sim_softmax(int rows, int cols, float scale, cusim_stats_t *st)
{
    rng_t r;
    rng_seed(&r, (uint64_t)(rows * 1000 + cols));
    size_t n = (size_t)rows * cols;
    float *x = sim_rand("x", n, &r, scale), *y = cusim_malloc(n * 4, "y");
    double *ref = nn_malloc(n * sizeof(double));
    for (int i = 0; i < rows; i++) {
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < cols; j++)
            mx = fmax(mx, x[(size_t)i * cols + j]);
        for (int j = 0; j < cols; j++)
            sum += exp(x[(size_t)i * cols + j] - mx);
        for (int j = 0; j < cols; j++)
            ref[(size_t)i * cols + j] = exp(x[(size_t)i * cols + j] - mx) / sum;
    }
    cr_assert(sim_softmax(st, y, x, rows, cols) == 0);
    char what[96];
    snprintf(what, sizeof what, "softmax of %d rows of %d values in [-%g, %g]", rows, cols, scale, scale);
    assert_no_sim_errors(st, what);
    assert_close(y, ref, n, 1e-5, what,
                 scale > 88.72f ? "exp(x) overflows a float for x > 88.72: is the running maximum m subtracted "
                 "before every exp, e^(x - m'), as in the online update?"
                 : "when the maximum grows from m to m', the sum so far is multiplied by exp(m - m'); the warp "
                 "merge rescales both lanes' sums to the common maximum.");
    cusim_free(x), cusim_free(y), free(ref);
}

Test(ex13_14, rows_of_odd_lengths_and_large_values)
{
    const int cols[] = {1, 20, 100, 257};
    for (int i = 0; i < 4; i++) {
        cusim_stats_t st;
        check_sim_softmax(5, cols[i], 1, &st);
        check_sim_softmax(3, cols[i], 100, &st); /* exp(x) overflows a float past 88.72: the maximum must be subtracted */
    }
}

Test(ex13_14, one_coalesced_pass_then_the_output)
{
    cusim_stats_t st;
    check_sim_softmax(8, 256, 2, &st);
    long pass = 8L * 256 / 32; /* requests for one read of every row */
    cr_assert(st.global_load_requests <= 2 * pass, "your kernel reads each row %.1f times (%ld load requests); the "
              "online softmax reads it twice: once for (m, d), once to write y. Hint: update m and d together, one "
              "element at a time.", (double)st.global_load_requests / pass, st.global_load_requests);
    int worst = sim_max_per_request(&st, CUSIM_GLOBAL_LOAD);
    cr_assert(worst <= 4, "your loads take up to %d sectors per warp request; a coalesced load takes 4. Hint: "
              "lane l reads elements l, l + 32, l + 64, ...: neighbouring lanes, neighbouring elements.", worst);
    cr_assert(st.shuffles > 0, "no warp shuffle: how do the 32 lanes combine their states? Hint: SHFL_XOR with "
              "masks 16, 8, 4, 2, 1.");
}

/*hint 13.14
1. Each lane sees every 32nd element of the row. What does it keep about them, and how are two
   lanes' summaries combined (section 13.9)?
2. Per element: m' = max(m, x), d = d e^(m - m') + e^(x - m'). Then five SHFL_XOR steps (masks 16,
   8, 4, 2, 1) merge (m, d) across the warp; a lane with no element has (-inf, 0).
3. After the merge every lane has the row's m and d: y[j] = e^(x[j] - m) / d for its j.
*/
/*note 13.14
Two reads of the row instead of three, and no shared memory at all: the warp is the unit of
cooperation, and shuffles move registers between its lanes. On a GPU the second read usually
comes from the L2 cache when the row is small (an expectation, not measured here), so the kernel
moves about the bytes of a copy; gpu/softmax/02_online.cuh is the block-per-row version.
*/

/* 13.15 */
static void check_sim_attention(int BH, int T, float scale, cusim_stats_t *st)
{
    rng_t r;
    rng_seed(&r, (uint64_t)(BH * 100 + T));
    size_t n = (size_t)BH * T * EX_D;
    float *q = sim_rand("q", n, &r, scale), *k = sim_rand("k", n, &r, scale), *v = sim_rand("v", n, &r, 1);
    float *o = cusim_malloc(n * 4, "o");
    double *ref = nn_calloc(n, sizeof(double)), *p = nn_malloc((size_t)T * sizeof(double));
    for (int h = 0; h < BH; h++)
        for (int i = 0; i < T; i++) {
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j < T; j++) {
                double dot = 0;
                for (int d = 0; d < EX_D; d++)
                    dot += (double)q[((size_t)h * T + i) * EX_D + d] * k[((size_t)h * T + j) * EX_D + d];
                p[j] = dot / sqrt((double)EX_D);
                mx = fmax(mx, p[j]);
            }
            for (int j = 0; j < T; j++)
                sum += p[j] = exp(p[j] - mx);
            for (int j = 0; j < T; j++)
                for (int d = 0; d < EX_D; d++)
                    ref[((size_t)h * T + i) * EX_D + d] += p[j] / sum * v[((size_t)h * T + j) * EX_D + d];
        }
    cr_assert(sim_attention(st, o, q, k, v, BH, T) == 0);
    char what[96];
    snprintf(what, sizeof what, "attention, %d heads, T = %d, |q|, |k| <= %g", BH, T, scale);
    assert_no_sim_errors(st, what);
    assert_close(o, ref, n, 2e-5, what,
                 "s_j = scale * q . k_j; m' = max(m, max_j s_j); l and every o[i] are multiplied by e^(m - m'), "
                 "then each key adds e^(s_j - m') to l and e^(s_j - m') v_j to o.");
    cusim_free(q), cusim_free(k), cusim_free(v), cusim_free(o), free(ref), free(p);
}

Test(ex13_15, matches_the_formula_with_a_partial_tile)
{
    cusim_stats_t st;
    check_sim_attention(2, 50, 1, &st);
    check_sim_attention(1, 7, 1, &st);
}

Test(ex13_15, large_scores_stay_finite)
{
    cusim_stats_t st;
    check_sim_attention(1, 40, 6, &st); /* scores up to 16 * 36 / 4 = 144: exp(144) overflows a float */
}

Test(ex13_15, a_later_tile_with_lower_scores)
{
    /* One head, T = 40 (tiles of 16, 16, 8), q = k_0 = 4 everywhere, every other key -4: score 64 for
     * key 0 and -64 for the rest, so o = v_0 (the others weigh e^-128). A tile whose maximum is below the
     * running one must not become the reference: e^(64 - (-64)) = e^128 overflows a float. */
    const int T = 40;
    float *q = cusim_malloc((size_t)T * EX_D * 4, "q"), *k = cusim_malloc((size_t)T * EX_D * 4, "k");
    float *v = cusim_malloc((size_t)T * EX_D * 4, "v"), *o = cusim_malloc((size_t)T * EX_D * 4, "o");
    for (int j = 0; j < T; j++)
        for (int d = 0; d < EX_D; d++) {
            q[j * EX_D + d] = 4;
            k[j * EX_D + d] = j == 0 ? 4 : -4;
            v[j * EX_D + d] = (float)(j + d);
        }
    cusim_stats_t st;
    cr_assert(sim_attention(&st, o, q, k, v, 1, T) == 0);
    assert_no_sim_errors(&st, "attention with one dominant key");
    for (int i = 0; i < T; i++)
        for (int d = 0; d < EX_D; d++)
            cr_assert(fabsf(o[i * EX_D + d] - (float)d) < 1e-4f, "query %d, o[%d] = %g, expected %g (all weight on key "
                      "0). Hint: the reference maximum is max(m, m_tile): a tile of lower scores must not replace "
                      "it, or e^(m - m') overflows.", i, d, o[i * EX_D + d], (float)d);
    cusim_free(q), cusim_free(k), cusim_free(v), cusim_free(o);
}

Test(ex13_15, reads_each_tile_element_once)
{
    cusim_stats_t st;
    check_sim_attention(2, 64, 1, &st);
    /* 2 heads x 2 blocks of one warp; each reads all 64 keys: 2 * EX_D loads per key (K and V). */
    long want = 2L * 2 * 64 * 2 * EX_D;
    cr_assert(st.shared_load_requests <= want, "your update issues %ld shared-memory loads; reading every element "
              "of Ks and Vs once takes %ld. Hint: keep the tile's scores in a local array s[EX_KT] instead of "
              "recomputing them for the product with V.", st.shared_load_requests, want);
}

/* ex_attn_tile called directly, twice in a row (a full tile of EX_KT keys, then a tile of 5) with a
 * scale of 0.9, not ex_attention's 1/sqrt(EX_D) = 0.25: lane t folds query t into its own state and
 * stores (o, l, m), checked against the state's definition worked in double (m = the largest score,
 * l = sum exp(s_j - m), o = sum exp(s_j - m) v_j over the 21 keys). */
typedef struct {
    float *state; /* (32, EX_D + 2): o, then l, then m, per lane */
    const float *q, *k1, *v1, *k2, *v2;
    float scale;
} tile_call_args;
static void tile_call_entry(void *p)
{
    tile_call_args *a = p;
    int t = threadIdx.x;
    float q[EX_D], o[EX_D], l = 0.0f, m = -INFINITY;
    for (int i = 0; i < EX_D; i++)
        q[i] = LD(a->q, t * EX_D + i), o[i] = 0.0f;
    ex_attn_tile(o, &l, &m, q, a->k1, a->v1, EX_KT, a->scale);
    ex_attn_tile(o, &l, &m, q, a->k2, a->v2, 5, a->scale);
    for (int i = 0; i < EX_D; i++)
        ST(a->state, t * (EX_D + 2) + i, o[i]);
    ST(a->state, t * (EX_D + 2) + EX_D, l);
    ST(a->state, t * (EX_D + 2) + EX_D + 1, m);
}

Test(ex13_15, uses_its_scale_argument_over_two_calls)
{
    enum { Q = 32, KEYS = EX_KT + 5 };
    const float scale = 0.9f;
    rng_t r;
    rng_seed(&r, 1315);
    float *q = sim_rand("q", Q * EX_D, &r, 1);
    float *k1 = sim_rand("k1", EX_KT * EX_D, &r, 1), *v1 = sim_rand("v1", EX_KT * EX_D, &r, 1);
    float *k2 = sim_rand("k2", EX_KT * EX_D, &r, 1), *v2 = sim_rand("v2", EX_KT * EX_D, &r, 1);
    float *state = cusim_malloc(Q * (EX_D + 2) * 4, "state");
    tile_call_args args = {state, q, k1, v1, k2, v2, scale};
    cusim_stats_t st;
    cr_assert(cusim_launch(&st, CUSIM_DIM3(1), CUSIM_DIM3(Q), tile_call_entry, &args) == 0);
    assert_no_sim_errors(&st, "ex_attn_tile called on a tile of 16 keys, then one of 5");
    for (int t = 0; t < Q; t++) {
        double s[KEYS], m = -INFINITY, l = 0, o[EX_D] = {0};
        for (int j = 0; j < KEYS; j++) {
            const float *kj = j < EX_KT ? k1 + j * EX_D : k2 + (j - EX_KT) * EX_D;
            s[j] = 0;
            for (int i = 0; i < EX_D; i++)
                s[j] += (double)q[t * EX_D + i] * kj[i];
            s[j] *= scale;
            m = fmax(m, s[j]);
        }
        for (int j = 0; j < KEYS; j++) {
            const float *vj = j < EX_KT ? v1 + j * EX_D : v2 + (j - EX_KT) * EX_D;
            double p = exp(s[j] - m);
            l += p;
            for (int i = 0; i < EX_D; i++)
                o[i] += p * vj[i];
        }
        const float *got = state + t * (EX_D + 2);
        cr_assert(fabs(got[EX_D + 1] - m) < 1e-5 * (1 + fabs(m)), "query %d: expected m = %.6g (the largest "
                  "score, 0.9 q . k_j), got %.6g. Hint: s_j = scale * q . k_j with the scale argument (ex_attention "
                  "passes 1/sqrt(D); this call passes 0.9), and *m is set to max(m, max_j s_j).", t, m,
                  got[EX_D + 1]);
        cr_assert(fabs(got[EX_D] - l) < 1e-4 * l, "query %d: expected l = %.6g after two tiles, got %.6g. Hint: l "
                  "is the sum of e^(s_j - m) over both tiles: rescale the earlier sum by e^(m - m'), then add.",
                  t, l, got[EX_D]);
        for (int i = 0; i < EX_D; i++)
            cr_assert(fabs(got[i] - o[i]) < 1e-4 * (1 + fabs(o[i])), "query %d: expected o[%d] = %.6g after two "
                      "tiles, got %.6g. Hint: o is the sum of e^(s_j - m) v_j over both tiles, unnormalized.",
                      t, i, o[i], got[i]);
    }
    cusim_free(q), cusim_free(k1), cusim_free(v1), cusim_free(k2), cusim_free(v2), cusim_free(state);
}

/*hint 13.15
1. Which quantities must be relative to the current maximum, and what happens to them when the
   maximum grows (section 13.11)?
2. First the tile's scores s_j = scale * q . k_j (the scale argument) and their maximum; then
   m' = max(m, max s_j), multiply l and o by e^(m - m'); then add the tile: l += e^(s_j - m'),
   o += e^(s_j - m') v_j; finally m = m'.
3. With m = -inf before the first tile, e^(m - m') = 0, and o and l are 0 anyway.
*/
/*note 13.15
This is the whole of FlashAttention's inner loop for one query: the T x T score matrix never
exists, only one tile of scores in registers. gpu/attention/02_fused.cuh is the same update with
64 queries per block and the causal mask; attn_rescale (exercise 13.9) is its rescaling step.
*/

/* --- ch13: the one table, bad arguments, the references ------------------------------------- */

#ifndef REPO_ROOT
#define REPO_ROOT "."
#endif

static char *read_text(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", REPO_ROOT, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = nn_malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* The table of kernels.h, the files under gpu/<dir>/, the #includes of gpu/<cu> and the prose
 * of the chapter must agree. */
static void check_table(const gpu_kernel_row *rows, int count, const char *dir, const char *cu)
{
    char *src = read_text(cu), *chapter = read_text("chapters/13_cuda/13_cuda.c");
    cr_assert(src && chapter, "cannot read %s or the chapter under %s", cu, REPO_ROOT);
    for (int i = 0; i < count; i++) {
        char inc[256], path[256];
        snprintf(inc, sizeof inc, "#include \"%s\"", rows[i].file);
        snprintf(path, sizeof path, "gpu/%s", rows[i].file);
        char *text = read_text(path);
        cr_assert(text, "kernels.h lists %s (version %d of %s), but the file does not exist", path,
                  rows[i].number, dir);
        free(text);
        cr_assert(strstr(src, inc), "%s does not include %s, which kernels.h lists as version %d", cu,
                  rows[i].file, rows[i].number);
        cr_assert(rows[i].number == i + 1, "kernels.h: row %d of %s is numbered %d: versions count 1, 2, ...",
                  i + 1, dir, rows[i].number);
        const char *base = strchr(rows[i].file, '/') + 1;
        cr_assert(strstr(chapter, base), "the chapter's prose never mentions %s: describe every step", base);
    }
    char dpath[4096];
    snprintf(dpath, sizeof dpath, "%s/gpu/%s", REPO_ROOT, dir);
    DIR *d = opendir(dpath);
    cr_assert(d, "cannot list %s", dpath);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".cuh"))
            continue;
        int listed = 0;
        for (int i = 0; i < count; i++)
            listed |= strcmp(strchr(rows[i].file, '/') + 1, e->d_name) == 0;
        cr_assert(listed, "gpu/%s/%s is not in the table of gpu/kernels.h: add a row for it (or delete it)",
                  dir, e->d_name);
    }
    closedir(d);
    free(src), free(chapter);
}

Test(ch13, the_kernel_table_matches_the_files)
{
    check_table(GPU_SGEMM_TABLE, GPU_SGEMM_COUNT, "sgemm", "gpu/sgemm.cu");
    check_table(GPU_SOFTMAX_TABLE, GPU_SOFTMAX_COUNT, "softmax", "gpu/softmax.cu");
    check_table(GPU_LAYERNORM_TABLE, GPU_LAYERNORM_COUNT, "layernorm", "gpu/layernorm.cu");
    check_table(GPU_ATTENTION_TABLE, GPU_ATTENTION_COUNT, "attention", "gpu/attention.cu");
    check_table(GPU_INT8_TABLE, GPU_INT8_COUNT, "int8", "gpu/int8.cu");
}

Test(ch13, every_sgemm_kernel_is_in_the_compiler_report)
{
    int regs, smem;
    if (kernel_resources(GPU_RESOURCES, "sgemm_naive_kernel", &regs, &smem) != 0)
    {
        cr_assert(!gpu_required(), "NN_REQUIRE_GPU is set but there is no ptxas report at %s", GPU_RESOURCES);
        cr_skip_test("no ptxas report at %s: gpu/ was built without nvcc", GPU_RESOURCES);
    }
    for (int i = 0; i < GPU_SGEMM_COUNT; i++) {
        char fn[64];
        snprintf(fn, sizeof fn, "sgemm_%s_kernel", GPU_SGEMM_TABLE[i].name);
        cr_assert(kernel_resources(GPU_RESOURCES, fn, &regs, &smem) == 0 && regs > 0 && regs <= 255,
                  "%s is not in %s (or has no register count): the kernel of step %d must be named "
                  "sgemm_<name>_kernel after its row of kernels.h", fn, GPU_RESOURCES, i + 1);
    }
}

/* Calls fn in a child process with GPU messages on, and returns its stderr. */
typedef struct {
    gpu_status (*call)(void);
    gpu_status got;
} status_call;

static void run_status_call(void *p)
{
    unsetenv("GPU_QUIET");
    status_call *c = p;
    gpu_status s = c->call();
    fflush(stderr);
    _exit((int)s);
}

static int messages_of(gpu_status (*call)(void), char *buf, size_t n)
{
    status_call c = {call, GPU_OK};
    return capture_stderr(run_status_call, &c, buf, n);
}

static float dummy[4];
#define DEV ((float *)dummy) /* a non-NULL pointer: argument checks run before any GPU access */

static gpu_status sgemm_zero_m(void) { return gpu_sgemm(1, 0, 4, 4, 1, DEV, DEV, 0, DEV); }
static gpu_status sgemm_negative_k(void) { return gpu_sgemm(3, 4, 4, -2, 1, DEV, DEV, 0, DEV); }
static gpu_status sgemm_bad_version(void) { return gpu_sgemm(99, 4, 4, 4, 1, DEV, DEV, 0, DEV); }
static gpu_status sgemm_too_big(void) { return gpu_sgemm(1, 70000, 70000, 4, 1, DEV, DEV, 0, DEV); }
static gpu_status sgemm_null(void) { return gpu_sgemm(1, 4, 4, 4, 1, DEV, NULL, 0, DEV); }
static gpu_status softmax_zero_cols(void) { return gpu_softmax_forward(2, DEV, DEV, 3, 0); }
static gpu_status attention_odd_head(void) { return gpu_attention_forward(2, DEV, DEV, DEV, DEV, 2, 8, 48, 1, NULL); }
static gpu_status igemm_huge_k(void)
{
    return gpu_igemm((int32_t *)dummy, (int8_t *)dummy, (int8_t *)dummy, 2, 2, 200000);
}
/* 2^17 products of (-128)(-128) sum to 2^31 = INT32_MAX + 1: the first K that must be refused. */
static gpu_status igemm_k_2_17(void)
{
    return gpu_igemm((int32_t *)dummy, (int8_t *)dummy, (int8_t *)dummy, 2, 2, 131072);
}
static gpu_status layernorm_null_beta(void) { return gpu_layernorm_forward(DEV, NULL, NULL, DEV, DEV, NULL, 2, 3, 1e-5f); }
static gpu_status malloc_zero(void)
{
    void *p;
    return gpu_malloc(&p, 0);
}

static gpu_status matmul_mismatch(void)
{
    float a[6], b[8], c[8];
    return gpu_matmul_host(1, tensor_view(c, 2, (int[]){2, 4}), tensor_view(a, 2, (int[]){2, 3}),
                           tensor_view(b, 2, (int[]){2, 4}));
}

static gpu_status attention_shapes(void)
{
    float x[64];
    return gpu_attention_host(1, tensor_view(x, 3, (int[]){1, 4, 8}), tensor_view(x, 3, (int[]){1, 4, 8}),
                              tensor_view(x, 3, (int[]){1, 5, 8}), tensor_view(x, 3, (int[]){1, 4, 8}), 0);
}

typedef struct {
    gpu_status (*call)(void);
    gpu_status want;
    const char *text, *what;
} bad_case;

Test(ch13, bad_arguments_are_reported_before_touching_the_gpu)
{
    const bad_case cases[] = {
        {sgemm_zero_m, GPU_ERR_ARGS, "M = 0: expected M >= 1", "gpu_sgemm with M = 0"},
        {sgemm_negative_k, GPU_ERR_ARGS, "K = -2: expected K >= 1", "gpu_sgemm with K = -2"},
        {sgemm_bad_version, GPU_ERR_ARGS, "version 99 does not exist: expected 1 .. 9", "gpu_sgemm version 99"},
        {sgemm_too_big, GPU_ERR_ARGS, "expected at most 2^31 - 1", "a 70000 x 70000 C (int indices overflow)"},
        {sgemm_null, GPU_ERR_ARGS, "B is NULL", "gpu_sgemm with B = NULL"},
        {softmax_zero_cols, GPU_ERR_ARGS, "cols = 0: expected cols >= 1", "softmax of empty rows"},
        {attention_odd_head, GPU_ERR_ARGS, "D = 48: the fused kernel (version 2) takes D = 16, 32 or 64",
         "fused attention with D = 48"},
        {igemm_huge_k, GPU_ERR_ARGS, "K = 200000: expected K <= 131071", "int8 GEMM with K = 200000"},
        {igemm_k_2_17, GPU_ERR_ARGS, "K = 131072: expected K <= 131071", "int8 GEMM with K = 2^17"},
        {layernorm_null_beta, GPU_ERR_ARGS, "beta is NULL", "layer norm without beta"},
        {malloc_zero, GPU_ERR_ARGS, "0 bytes requested", "gpu_malloc of 0 bytes"},
        {matmul_mismatch, GPU_ERR_ARGS, "A's 3 columns do not match B's 2 rows", "(2,3) times (2,4)"},
        {attention_shapes, GPU_ERR_ARGS, "k has shape (1, 5, 8), expected (1, 4, 8)", "k longer than q"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[4096];
        int status = messages_of(cases[i].call, err, sizeof err);
        cr_assert(status == (int)cases[i].want, "%s: expected status %d (%s), got %d; it printed: %s",
                  cases[i].what, cases[i].want, gpu_status_str(cases[i].want), status, err);
        cr_assert(strstr(err, cases[i].text) && strstr(err, "error (") && strstr(err, "hint: "),
                  "%s: expected an error paragraph (file:line, '%s', a hint), got: %s", cases[i].what,
                  cases[i].text, err);
    }
}

static gpu_status sgemm_valid(void) { return gpu_sgemm(1, 4, 4, 4, 1, DEV, DEV, 0, DEV); }

Test(ch13, without_a_gpu_every_call_says_why)
{
    char why[512];
    if (gpu_probe(why, sizeof why) == GPU_OK) { /* a GPU machine: nothing to see, and nothing skipped */
        cr_assert(gpu_built_with_cuda(), "gpu_probe found a GPU in a library built without CUDA");
        return;
    }
    cr_assert(strstr(why, "no CUDA GPU") || strstr(why, "no usable CUDA GPU") || strstr(why, "compute capability"),
              "gpu_probe's reason should say plainly that there is no usable GPU, got: %s", why);
    char err[4096];
    int status = messages_of(sgemm_valid, err, sizeof err);
    cr_assert(status == GPU_ERR_NO_GPU && strstr(err, "gpu_sgemm") && strstr(err, why) &&
                  strstr(err, "README-gpu.md"),
              "a valid gpu_sgemm without a GPU: expected status %d and a message naming the call, the reason "
              "and README-gpu.md; got %d: %s", GPU_ERR_NO_GPU, status, err);
}

/* The CPU reference of the layer-norm backward pass (used by the gpu tests) checked against
 * centered differences of the forward pass. */
static void layernorm_ref(double *y, double *mean, double *rstd, const double *x, const float *g, const float *b,
                          int rows, int cols, double eps)
{
    for (int r = 0; r < rows; r++) {
        const double *xr = x + (size_t)r * cols;
        double mu = 0, var = 0;
        for (int j = 0; j < cols; j++)
            mu += xr[j];
        mu /= cols;
        for (int j = 0; j < cols; j++)
            var += (xr[j] - mu) * (xr[j] - mu);
        var /= cols;
        double rs = 1 / sqrt(var + eps);
        if (mean)
            mean[r] = mu, rstd[r] = rs;
        if (y)
            for (int j = 0; j < cols; j++)
                y[(size_t)r * cols + j] = (xr[j] - mu) * rs * g[j] + b[j];
    }
}

static void layernorm_backward_ref(double *dx, double *dg, double *db, const double *dy, const double *x,
                                   const float *g, int rows, int cols, double eps)
{
    double *mean = nn_malloc((size_t)rows * sizeof(double)), *rstd = nn_malloc((size_t)rows * sizeof(double));
    layernorm_ref(NULL, mean, rstd, x, g, g, rows, cols, eps);
    for (int j = 0; j < cols; j++)
        dg[j] = db[j] = 0;
    for (int r = 0; r < rows; r++) {
        double sg = 0, sgx = 0;
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            double xh = (x[i] - mean[r]) * rstd[r], gg = dy[i] * g[j];
            sg += gg, sgx += gg * xh;
            dg[j] += dy[i] * xh, db[j] += dy[i];
        }
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            double xh = (x[i] - mean[r]) * rstd[r];
            dx[i] = rstd[r] * (dy[i] * g[j] - sg / cols - xh * sgx / cols);
        }
    }
    free(mean), free(rstd);
}

Test(ch13, layernorm_backward_reference_matches_centered_differences)
{
    enum { R = 3, C = 7 };
    rng_t r;
    rng_seed(&r, 3);
    double x[R * C], dy[R * C], dx[R * C], y[R * C];
    float g[C], b[C];
    for (int i = 0; i < R * C; i++)
        x[i] = 3 * rng_normal(&r), dy[i] = rng_normal(&r);
    for (int j = 0; j < C; j++)
        g[j] = 1 + rng_normal(&r) * 0.5f, b[j] = rng_normal(&r);
    double dg[C], db[C];
    layernorm_backward_ref(dx, dg, db, dy, x, g, R, C, 1e-5);
    /* L = sum dy * y; dL/dx_i by centered differences, step 1e-5: error O(h^2) ~ 1e-9 relative */
    for (int i = 0; i < R * C; i++) {
        double keep = x[i], lp = 0, lm = 0;
        x[i] = keep + 1e-5;
        layernorm_ref(y, NULL, NULL, x, g, b, R, C, 1e-5);
        for (int k = 0; k < R * C; k++)
            lp += dy[k] * y[k];
        x[i] = keep - 1e-5;
        layernorm_ref(y, NULL, NULL, x, g, b, R, C, 1e-5);
        for (int k = 0; k < R * C; k++)
            lm += dy[k] * y[k];
        x[i] = keep;
        double num = (lp - lm) / 2e-5;
        cr_assert(fabs(num - dx[i]) < 1e-6 * (1 + fabs(num)), "dx[%d]: the reference gives %g, centered "
                  "differences %g (bound 1e-6 relative)", i, dx[i], num);
    }
}

/* --- gpu: every kernel against the CPU, at awkward sizes; SKIPPED without a GPU ------------------ */

#define REQUIRE_GPU_OR_SKIP()                                                                       \
    do {                                                                                            \
        char why_[512];                                                                             \
        if (gpu_probe(why_, sizeof why_) != GPU_OK) {                                               \
            cr_assert(!gpu_required(), "NN_REQUIRE_GPU is set but there is no usable GPU: %s", why_); \
            cr_skip_test("%s", why_);                                                               \
        }                                                                                           \
    } while (0)

#define GPU_OK_OR_FAIL(call)                                                                        \
    do {                                                                                            \
        gpu_status s_ = (call);                                                                     \
        cr_assert(s_ == GPU_OK, "%s returned %s (see the error paragraph above it)", #call,           \
                  gpu_status_str(s_));                                                              \
    } while (0)

static float *dev_copy(const void *host, size_t bytes)
{
    void *p = NULL;
    GPU_OK_OR_FAIL(gpu_malloc(&p, bytes));
    if (host)
        GPU_OK_OR_FAIL(gpu_upload(p, host, bytes));
    return p;
}

typedef struct {
    int M, N, K;
    float alpha, beta;
} gemm_case;

/* One SGEMM version on one problem against a double-precision reference, with the bound
 * |c - ref| <= (u_in + K u) sum_k |a b| + 4u |ref| (u = 2^-24; u_in = 2^-10 for TF32 inputs). */
static void check_sgemm(int version, gemm_case g, rng_t *r)
{
    size_t na = (size_t)g.M * g.K, nb = (size_t)g.K * g.N, nc = (size_t)g.M * g.N;
    float *A = nn_malloc(na * 4), *B = nn_malloc(nb * 4), *C = nn_malloc(nc * 4), *got = nn_malloc(nc * 4);
    for (size_t i = 0; i < na; i++)
        A[i] = rng_range(r, -1, 1);
    for (size_t i = 0; i < nb; i++)
        B[i] = rng_range(r, -1, 1);
    for (size_t i = 0; i < nc; i++)
        C[i] = g.beta == 0 ? NAN : rng_range(r, -1, 1); /* beta = 0: C must not be read */
    float *dA = dev_copy(A, na * 4), *dB = dev_copy(B, nb * 4), *dC = dev_copy(C, nc * 4);
    GPU_OK_OR_FAIL(gpu_sgemm(version, g.M, g.N, g.K, g.alpha, dA, dB, g.beta, dC));
    GPU_OK_OR_FAIL(gpu_download(got, dC, nc * 4));
    const double u = ldexp(1, -24), u_in = strcmp(GPU_SGEMM_TABLE[version - 1].precision, "tf32") ? 0 : ldexp(1, -10);
    for (int i = 0; i < g.M; i++)
        for (int j = 0; j < g.N; j++) {
            double ref = 0, mag = 0;
            for (int k = 0; k < g.K; k++) {
                double p = (double)A[(size_t)i * g.K + k] * B[(size_t)k * g.N + j];
                ref += p, mag += fabs(p);
            }
            double c0 = g.beta == 0 ? 0 : C[(size_t)i * g.N + j];
            ref = g.alpha * ref + g.beta * c0;
            double tol = (u_in + g.K * u) * fabs(g.alpha) * mag * 2 + 4 * u * fabs(ref) + 1e-30;
            float v = got[(size_t)i * g.N + j];
            cr_assert(fabs(v - ref) <= tol, "SGEMM step %d (%s), M=%d N=%d K=%d alpha=%g beta=%g: C[%d][%d] = %.7g, "
                      "expected %.7g (bound %.2g). Hint: odd sizes break bounds checks and the last partial "
                      "tile; beta = 0 must not read C.", version, GPU_SGEMM_TABLE[version - 1].name, g.M, g.N,
                      g.K, g.alpha, g.beta, i, j, v, ref, tol);
        }
    gpu_free(dA), gpu_free(dB), gpu_free(dC);
    free(A), free(B), free(C), free(got);
}

static const gemm_case GEMM_CASES[] = {
    {1, 1, 1, 1, 0},       {17, 33, 9, 1, 0},      {128, 128, 128, 1, 0}, {257, 129, 300, 1, 0},
    {1000, 3, 64, 1, 0},   {3, 1000, 65, 1, 0},    {64, 64, 1, 1, 0},     {130, 66, 70, 0.5f, 0.25f},
    {131, 257, 19, -2, 1}, {256, 256, 256, 1, 0.5f},
};

Test(gpu, every_sgemm_step_at_odd_sizes)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 42);
    for (int v = 1; v <= GPU_SGEMM_COUNT; v++)
        for (size_t c = 0; c < sizeof GEMM_CASES / sizeof GEMM_CASES[0]; c++)
            check_sgemm(v, GEMM_CASES[c], &r);
}

Test(gpu, sgemm_through_host_tensors)
{
    REQUIRE_GPU_OR_SKIP();
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4];
    /* (2x3)(3x2): [1 2 3; 4 5 6] [1 0; 0 1; 1 1] = [4 5; 10 11] */
    GPU_OK_OR_FAIL(gpu_matmul_host(7, tensor_view(c, 2, (int[]){2, 2}), tensor_view(a, 2, (int[]){2, 3}),
                                   tensor_view(b, 2, (int[]){3, 2})));
    cr_assert(c[0] == 4 && c[1] == 5 && c[2] == 10 && c[3] == 11, "expected [4 5; 10 11], got [%g %g; %g %g]", c[0],
              c[1], c[2], c[3]);
}

static void check_softmax(int version, int rows, int cols, rng_t *r)
{
    size_t n = (size_t)rows * cols;
    float *x = nn_malloc(n * 4), *y = nn_malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        x[i] = 10 * rng_normal(r);
    if (cols > 1)
        x[0] = -INFINITY; /* a masked element: weight 0 (a row of only -inf would be NaN) */
    float *dx = dev_copy(x, n * 4), *dy = dev_copy(NULL, n * 4);
    GPU_OK_OR_FAIL(gpu_softmax_forward(version, dy, dx, rows, cols));
    GPU_OK_OR_FAIL(gpu_download(y, dy, n * 4));
    for (int i = 0; i < rows; i++) {
        double m, d;
        softmax_state_ref(x + (size_t)i * cols, cols, &m, &d);
        for (int j = 0; j < cols; j++) {
            double want = exp(x[(size_t)i * cols + j] - m) / d, got = y[(size_t)i * cols + j];
            cr_assert(fabs(got - want) < 3e-5 * want + 1e-7, "softmax step %d, %d x %d: y[%d][%d] = %g, expected %g. "
                      "Hint: check the merge (exercise 13.7) and the row's last elements.", version, rows, cols,
                      i, j, got, want);
        }
    }
    /* In place (y == x) must work too. */
    GPU_OK_OR_FAIL(gpu_upload(dx, x, n * 4));
    GPU_OK_OR_FAIL(gpu_softmax_forward(version, dx, dx, rows, cols));
    float *z = nn_malloc(n * 4);
    GPU_OK_OR_FAIL(gpu_download(z, dx, n * 4));
    cr_assert(memcmp(z, y, n * 4) == 0, "softmax step %d, %d x %d in place (y == x) differs from out of place",
              version, rows, cols);
    gpu_free(dx), gpu_free(dy);
    free(x), free(y), free(z);
}

Test(gpu, softmax_both_steps)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 1);
    const int shapes[][2] = {{1, 1}, {3, 5}, {7, 1000}, {64, 4096}, {5, 1023}, {300, 33}};
    for (int v = 1; v <= GPU_SOFTMAX_COUNT; v++)
        for (int s = 0; s < 6; s++)
            check_softmax(v, shapes[s][0], shapes[s][1], &r);
}

static void check_layernorm(int rows, int cols, rng_t *r)
{
    size_t n = (size_t)rows * cols;
    float *x = nn_malloc(n * 4), *dyh = nn_malloc(n * 4), *g = nn_malloc(cols * 4), *b = nn_malloc(cols * 4);
    double *xd = nn_malloc(n * 8), *dyd = nn_malloc(n * 8), *y = nn_malloc(n * 8), *mean = nn_malloc(rows * 8),
           *rstd = nn_malloc(rows * 8), *dx = nn_malloc(n * 8), *dg = nn_malloc(cols * 8), *db = nn_malloc(cols * 8);
    for (size_t i = 0; i < n; i++)
        xd[i] = x[i] = 100 + 5 * rng_normal(r), dyd[i] = dyh[i] = rng_normal(r);
    for (int j = 0; j < cols; j++)
        g[j] = 1 + 0.3f * rng_normal(r), b[j] = rng_normal(r);
    layernorm_ref(y, mean, rstd, xd, g, b, rows, cols, 1e-5);
    layernorm_backward_ref(dx, dg, db, dyd, xd, g, rows, cols, 1e-5);
    float *dX = dev_copy(x, n * 4), *dY = dev_copy(NULL, n * 4), *dG = dev_copy(g, cols * 4),
          *dB = dev_copy(b, cols * 4), *dM = dev_copy(NULL, rows * 4), *dR = dev_copy(NULL, rows * 4),
          *dDY = dev_copy(dyh, n * 4), *dDX = dev_copy(NULL, n * 4), *dDG = dev_copy(NULL, cols * 4),
          *dDB = dev_copy(NULL, cols * 4);
    float *got = nn_malloc(n * 4), *gm = nn_malloc(rows * 4), *gr = nn_malloc(rows * 4), *gg = nn_malloc(cols * 4),
          *gb = nn_malloc(cols * 4);
    GPU_OK_OR_FAIL(gpu_layernorm_forward(dY, dM, dR, dX, dG, dB, rows, cols, 1e-5f));
    GPU_OK_OR_FAIL(gpu_download(got, dY, n * 4));
    GPU_OK_OR_FAIL(gpu_download(gm, dM, rows * 4));
    GPU_OK_OR_FAIL(gpu_download(gr, dR, rows * 4));
    for (int i = 0; i < rows; i++)
        cr_assert(fabs(gm[i] - mean[i]) < 1e-4 && fabs(gr[i] - rstd[i]) < 1e-4 * rstd[i],
                  "layer norm %d x %d, row %d: mean %g rstd %g, expected %g and %g. Hint: the Welford merge "
                  "(exercise 13.8).", rows, cols, i, gm[i], gr[i], mean[i], rstd[i]);
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - y[i]) < 1e-3, "layer norm %d x %d: y[%zu] = %g, expected %g", rows, cols, i,
                  got[i], y[i]);
    GPU_OK_OR_FAIL(gpu_layernorm_backward(dDX, dDG, dDB, dDY, dX, dG, dM, dR, rows, cols));
    GPU_OK_OR_FAIL(gpu_download(got, dDX, n * 4));
    GPU_OK_OR_FAIL(gpu_download(gg, dDG, cols * 4));
    GPU_OK_OR_FAIL(gpu_download(gb, dDB, cols * 4));
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - dx[i]) < 1e-3 * (1 + fabs(dx[i])), "layer norm backward %d x %d: dx[%zu] = %g, "
                  "expected %g", rows, cols, i, got[i], dx[i]);
    for (int j = 0; j < cols; j++)
        cr_assert(fabs(gg[j] - dg[j]) < 1e-3 * (1 + fabs(dg[j])) && fabs(gb[j] - db[j]) < 1e-3 * (1 + fabs(db[j])),
                  "layer norm backward %d x %d: dgamma[%d] = %g, dbeta[%d] = %g; expected %g and %g", rows, cols,
                  j, gg[j], j, gb[j], dg[j], db[j]);
    gpu_free(dX), gpu_free(dY), gpu_free(dG), gpu_free(dB), gpu_free(dM), gpu_free(dR), gpu_free(dDY), gpu_free(dDX),
        gpu_free(dDG), gpu_free(dDB);
    free(x), free(dyh), free(g), free(b), free(xd), free(dyd), free(y), free(mean), free(rstd), free(dx), free(dg),
        free(db), free(got), free(gm), free(gr), free(gg), free(gb);
}

Test(gpu, layernorm_forward_and_backward)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 2);
    const int shapes[][2] = {{1, 1}, {1, 7}, {4, 1024}, {3, 1001}, {257, 64}, {2, 4100}};
    for (int s = 0; s < 6; s++)
        check_layernorm(shapes[s][0], shapes[s][1], &r);
}

static void check_attention(int version, int BH, int T, int D, int causal, rng_t *r)
{
    size_t n = (size_t)BH * T * D;
    float *q = nn_malloc(n * 4), *k = nn_malloc(n * 4), *v = nn_malloc(n * 4), *o = nn_malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        q[i] = rng_normal(r), k[i] = rng_normal(r), v[i] = rng_normal(r);
    float *dq = dev_copy(q, n * 4), *dk = dev_copy(k, n * 4), *dv = dev_copy(v, n * 4), *dout = dev_copy(NULL, n * 4);
    GPU_OK_OR_FAIL(gpu_attention_forward(version, dout, dq, dk, dv, BH, T, D, causal, NULL));
    GPU_OK_OR_FAIL(gpu_download(o, dout, n * 4));
    double *ref = nn_malloc((size_t)T * D * 8);
    for (int b = 0; b < BH; b++) {
        size_t off = (size_t)b * T * D;
        attention_ref(ref, q + off, k + off, v + off, T, D, causal);
        for (int i = 0; i < T * D; i++)
            cr_assert(fabs(o[off + i] - ref[i]) < 2e-4, "attention step %d (%s), BH=%d T=%d D=%d causal=%d: "
                      "o[%d][%d][%d] = %g, expected %g. Hint: the rescaling (exercise 13.9) and the mask of "
                      "the last, partial key tile.", version, GPU_ATTENTION_TABLE[version - 1].name, BH, T, D,
                      causal, b, i / D, i % D, o[off + i], ref[i]);
    }
    gpu_free(dq), gpu_free(dk), gpu_free(dv), gpu_free(dout);
    free(q), free(k), free(v), free(o), free(ref);
}

Test(gpu, attention_unfused_and_fused)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 3);
    const int cases[][3] = {{1, 1, 16}, {2, 7, 32}, {3, 65, 64}, {1, 130, 16}, {2, 257, 64}};
    for (int causal = 0; causal <= 1; causal++)
        for (int c = 0; c < 5; c++)
            for (int v = 1; v <= GPU_ATTENTION_COUNT; v++)
                check_attention(v, cases[c][0], cases[c][1], cases[c][2], causal, &r);
    check_attention(1, 2, 33, 24, 1, &r); /* the unfused path takes any head size */
}

Test(gpu, int8_gemm_is_exact)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 4);
    const int cases[][3] = {{1, 1, 1}, {5, 7, 3}, {64, 64, 64}, {100, 37, 129}, {3, 70, 1000}};
    for (int c = 0; c < 5; c++) {
        int M = cases[c][0], N = cases[c][1], K = cases[c][2];
        int8_t *A = nn_malloc((size_t)M * K), *Bt = nn_malloc((size_t)N * K);
        int32_t *C = nn_malloc((size_t)M * N * 4);
        for (int i = 0; i < M * K; i++)
            A[i] = (int8_t)((int)rng_below(&r, 256) - 128);
        for (int i = 0; i < N * K; i++)
            Bt[i] = (int8_t)((int)rng_below(&r, 256) - 128);
        A[0] = -128, Bt[0] = -128; /* the extreme: (-128)(-128) = 16384 */
        void *dA = dev_copy(A, (size_t)M * K), *dB = dev_copy(Bt, (size_t)N * K), *dC = dev_copy(NULL, (size_t)M * N * 4);
        GPU_OK_OR_FAIL(gpu_igemm(dC, dA, dB, M, N, K));
        GPU_OK_OR_FAIL(gpu_download(C, dC, (size_t)M * N * 4));
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                long long ref = 0;
                for (int k = 0; k < K; k++)
                    ref += (long long)A[i * K + k] * Bt[j * K + k];
                cr_assert(C[i * N + j] == ref, "int8 GEMM M=%d N=%d K=%d: C[%d][%d] = %d, expected %lld exactly. "
                          "Hint: bytes past K must be zero, and bytes are signed.", M, N, K, i, j, C[i * N + j], ref);
            }
        gpu_free(dA), gpu_free(dB), gpu_free(dC);
        free(A), free(Bt), free(C);
    }
}

static gpu_status malloc_petabyte(void)
{
    void *p = (void *)1;
    gpu_status s = gpu_malloc(&p, (size_t)1 << 50);
    return s == GPU_ERR_MEMORY && p != NULL ? GPU_OK : s; /* a failed allocation must leave NULL */
}

/* Runs call() in this process with stderr sent to a temporary file, and returns that text. (A
 * child process cannot use CUDA once its parent has: messages_of would not do here.) */
static gpu_status stderr_of(gpu_status (*call)(void), char *buf, size_t n)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    cr_assert_not_null(tmp, "tmpfile() failed");
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    unsetenv("GPU_QUIET");
    gpu_status s = call();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t got = fread(buf, 1, n - 1, tmp);
    buf[got] = 0;
    fclose(tmp);
    return s;
}

Test(gpu, allocation_failure_is_reported)
{
    REQUIRE_GPU_OR_SKIP();
    char err[4096];
    gpu_status s = stderr_of(malloc_petabyte, err, sizeof err);
    cr_assert(s == GPU_ERR_MEMORY && strstr(err, "cudaMalloc of 1125899906842624 bytes") && strstr(err, "GB free") &&
                  strstr(err, "hint: "),
              "gpu_malloc of 1 PB: expected GPU_ERR_MEMORY (%d), a NULL pointer and a message with the size, the "
              "free memory and a hint; got %d: %s", GPU_ERR_MEMORY, s, err);
    /* The GPU must still work afterwards. */
    float *d = dev_copy(NULL, 16);
    gpu_free(d);
}

/* The exercise kernels (13.10 to 13.15) on the device: the same source as on the simulator,
 * compiled by nvcc from the edition being graded, against the same CPU references. */
static float *dev_of(const float *h, size_t n)
{
    return dev_copy(h, n * sizeof(float));
}

Test(gpu, exercise_kernels_on_the_device)
{
    REQUIRE_GPU_OR_SKIP();
    rng_t r;
    rng_seed(&r, 3);
    /* 13.10 */
    const int n = 1537;
    float *x = nn_malloc(n * 4), *y = nn_malloc(n * 4), *got = nn_malloc(n * 4);
    for (int i = 0; i < n; i++)
        x[i] = rng_range(&r, -1, 1), y[i] = rng_range(&r, -1, 1);
    float *dx = dev_of(x, n), *dy = dev_of(y, n);
    GPU_OK_OR_FAIL(gpu_ex_saxpy(dy, dx, 3.0f, n));
    GPU_OK_OR_FAIL(gpu_download(got, dy, n * 4));
    for (int i = 0; i < n; i++)
        cr_assert(fabsf(got[i] - (3.0f * x[i] + y[i])) < 1e-5f, "13.10 on the GPU: y[%d] = %g, expected %g", i,
                  got[i], 3.0f * x[i] + y[i]);
    /* 13.11 */
    float *dout = dev_of(NULL, 7);
    GPU_OK_OR_FAIL(gpu_ex_block_sum(dout, dx, n));
    GPU_OK_OR_FAIL(gpu_download(got, dout, 7 * 4));
    for (int b = 0; b < 7; b++) {
        double want = 0;
        for (int i = b * 256; i < (b + 1) * 256 && i < n; i++)
            want += x[i];
        cr_assert(fabs(got[b] - want) < 1e-4, "13.11 on the GPU: block %d sums to %g, expected %g (a missing "
                  "barrier shows up here, not on the simulator)", b, got[b], want);
    }
    gpu_free(dx), gpu_free(dy), gpu_free(dout);
    free(x), free(y), free(got);
    /* 13.12, 13.13 */
    const int M = 37, N = 45, K = 29;
    float *A = nn_malloc(M * K * 4), *B = nn_malloc(K * N * 4), *C = nn_malloc(M * N * 4);
    for (int i = 0; i < M * K; i++)
        A[i] = rng_range(&r, -1, 1);
    for (int i = 0; i < K * N; i++)
        B[i] = rng_range(&r, -1, 1);
    float *dA = dev_of(A, M * K), *dB = dev_of(B, K * N), *dC = dev_of(NULL, M * N);
    for (int version = 1; version <= 2; version++) {
        GPU_OK_OR_FAIL(gpu_ex_sgemm(version, dC, dA, dB, M, N, K));
        GPU_OK_OR_FAIL(gpu_download(C, dC, M * N * 4));
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double want = 0;
                for (int k = 0; k < K; k++)
                    want += (double)A[i * K + k] * B[k * N + j];
                cr_assert(fabs(C[i * N + j] - want) < 1e-4, "13.%d on the GPU: C[%d][%d] = %g, expected %g",
                          11 + version, i, j, C[i * N + j], want);
            }
    }
    gpu_free(dA), gpu_free(dB), gpu_free(dC);
    free(A), free(B), free(C);
    /* 13.14 */
    const int rows = 9, cols = 257;
    float *xs = nn_malloc(rows * cols * 4), *ys = nn_malloc(rows * cols * 4);
    for (int i = 0; i < rows * cols; i++)
        xs[i] = 30 * rng_range(&r, -1, 1);
    float *dxs = dev_of(xs, rows * cols), *dys = dev_of(NULL, rows * cols);
    GPU_OK_OR_FAIL(gpu_ex_softmax(dys, dxs, rows, cols));
    GPU_OK_OR_FAIL(gpu_download(ys, dys, rows * cols * 4));
    for (int i = 0; i < rows; i++) {
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < cols; j++)
            mx = fmax(mx, xs[i * cols + j]);
        for (int j = 0; j < cols; j++)
            sum += exp(xs[i * cols + j] - mx);
        for (int j = 0; j < cols; j++) {
            double want = exp(xs[i * cols + j] - mx) / sum;
            cr_assert(fabs(ys[i * cols + j] - want) < 1e-5, "13.14 on the GPU: y[%d][%d] = %g, expected %g", i, j,
                      ys[i * cols + j], want);
        }
    }
    gpu_free(dxs), gpu_free(dys);
    free(xs), free(ys);
    /* 13.15: one head, T = 50, against the simulator's run of the same kernel (checked by ex13_15). */
    const int T = 50;
    float *q = cusim_malloc(T * EX_D * 4, "q"), *k = cusim_malloc(T * EX_D * 4, "k");
    float *v = cusim_malloc(T * EX_D * 4, "v"), *o = cusim_malloc(T * EX_D * 4, "o"), *og = nn_malloc(T * EX_D * 4);
    for (int i = 0; i < T * EX_D; i++)
        q[i] = rng_range(&r, -1, 1), k[i] = rng_range(&r, -1, 1), v[i] = rng_range(&r, -1, 1);
    cr_assert(sim_attention(NULL, o, q, k, v, 1, T) == 0);
    float *dq = dev_of(q, T * EX_D), *dk = dev_of(k, T * EX_D), *dv = dev_of(v, T * EX_D), *dO = dev_of(NULL, T * EX_D);
    GPU_OK_OR_FAIL(gpu_ex_attention(dO, dq, dk, dv, 1, T));
    GPU_OK_OR_FAIL(gpu_download(og, dO, T * EX_D * 4));
    for (int i = 0; i < T * EX_D; i++)
        cr_assert(fabsf(og[i] - o[i]) < 1e-5f, "13.15 on the GPU: o[%d] = %g, the simulator gives %g", i, og[i], o[i]);
    gpu_free(dq), gpu_free(dk), gpu_free(dv), gpu_free(dO);
    cusim_free(q), cusim_free(k), cusim_free(v), cusim_free(o), free(og);
}

/* --- hints and teacher notes of exercises 13.1 to 13.9 (make hint EX=13.K) ----------------------- */

/*hint 13.1
1. Which threads form a warp, and which elements should they touch for the warp's loads of B to coalesce?
2. Consecutive tids must give consecutive columns of one row: the column varies fastest.
3. row = block_row * tile + tid / tile, col = block_col * tile + tid % tile.
*/
/*note 13.1
The mapping is the whole difference between kernels 1 and 2 of the ladder: same arithmetic, same
number of loads, many times fewer transactions. Exercise 13.10 applies the same rule to a loop.
*/
/*hint 13.2
1. What does (n + tile - 1) / tile do when n is INT_MAX?
2. Divide first: n / tile whole tiles, plus one more if something is left over.
3. n / tile + (n % tile != 0).
*/
/*note 13.2
Every grid size and every tile loop of gpu/ goes through this function, so a library that accepts
any int never wraps around into a negative grid.
*/
/*hint 13.3
1. Which bank does thread t's word t * stride fall in? Do two threads ever read the same word?
2. Count, per bank, the distinct words that land there; the busiest bank sets the number of passes.
3. Stride 0 is one word for everyone: a broadcast, 1 pass. Otherwise bank (t * stride) mod 32 for t < 32.
*/
/*note 13.3
For stride > 0 the answer is gcd(stride, 32). Padding a 32-wide row to 33 (section 13.5) makes every
column read conflict-free; the simulator of section 13.13 counts the same passes ("wavefronts") for
any access.
*/
/*hint 13.4
1. Which four resources do the resident blocks share, and which one runs out first?
2. Round threads up to whole warps, registers up to 256 per warp, and count warps per register
   sub-partition (16384 registers each, 4 per SM); add 1 KB of reserved shared memory per block.
3. min(32, 2048 / (32 W), floor(4 floor(16384 / R) / W), floor(233472 / (s + 1024))) with
   W = (threads + 31) / 32, R = (32 r + 255) / 256 * 256 (C's ceil(threads / 32) floors first),
   each H100 number read from its field of sm (max_blocks, max_threads, reg_parts, regs / reg_parts,
   reg_unit, smem, smem_reserved).
*/
/*note 13.4
At 185 registers the model gives 8 warps per SM, not the 10 a flat register file would: a warp's
registers cannot straddle two sub-partitions. With a GPU, the program prints the CUDA runtime's
own count beside this model for every SGEMM step.
*/
/*hint 13.5
1. Which two times bound a kernel from below?
2. The memory side of the roof is I times the bandwidth, in the same units as the peak.
3. min(peak, intensity * bandwidth).
*/
/*note 13.5
A kernel left of the ridge point should be judged in bytes per second, not flops: softmax and
layer norm are compared with a device-to-device copy for that reason.
*/
/*hint 13.6
1. What does a block load at one step of k, and how many flops does it do with it?
2. B_M values of A and B_N of B, 4 bytes each, feed B_M * B_N FMAs of 2 flops.
3. 2 bm bn / (4 (bm + bn)), computed in double: bm and bn are ints, and int division truncates.
*/
/*note 13.6
The same ratio, one level up (registers over shared memory), is why exercise 13.13's thread
computes a 4 x 4 block of C.
*/
/*hint 13.7
1. Each d is a sum of exponentials relative to its own maximum. What must happen to both before adding?
2. Bring both to M = max(m_a, m_b): d_a e^(m_a - M) + d_b e^(m_b - M). Which states hold no mass at all?
3. A state with m = -inf (empty, or a masked element {-inf, 1}) is returned past unchanged; test m, not d.
*/
/*note 13.7
The merge is associative, so it works element by element, across a warp with shuffles (exercise
13.14), and across warps through shared memory (gpu/reduce.cuh). The m = -inf case is the masked
row of causal attention.
*/
/*hint 13.8
1. If part a has 1 value and part b has 6, should their means count equally?
2. The merged mean moves from mean_a toward mean_b by delta n_b / n; m2 gains the spread between the parts.
3. mean = mean_a + delta n_b / n, m2 = m2_a + m2_b + delta^2 n_a n_b / n, with delta = mean_b - mean_a.
*/
/*note 13.8
Chan, Golub and LeVeque's update never subtracts two large numbers, which is why layer norm's
kernel gets the variance of values near 10^4 right (the test asks for 1%), where E[x^2] - mu^2 in
float is off by about 10 (section 13.10).
*/
/*hint 13.9
1. When the maximum grows from m to m', what happens to terms that were relative to m?
2. Multiply l and every o[i] by e^(m - m'); when m' is still -inf there is nothing to rescale.
3. m' = max(m, m_tile); if m' == -inf return; c = e^(m - m'); o[i] *= c; l *= c; m = m'.
*/
/*note 13.9
This is the rescaling step of FlashAttention; exercise 13.15 writes the whole tile update around it.
*/
