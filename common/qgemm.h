/* qgemm.h — the int8 matrix product with int32 accumulation, dispatched at run time.
 *
 * Prefixes: qgemm_, QGEMM_
 *
 *   C[i][j] = sum_k A[i][k] B[j][k]        C (M, N) int32, A (M, K) int8, B (N, K) int8
 *
 * Both operands are stored with K contiguous (B is the weight matrix (out, in) of a layer, as
 * quant_per_channel quantizes it, one row per output channel), so every output is a dot product
 * of two rows. Products of int8 values are at most 128 * 128 = 2^14 in size; the sums are kept in
 * int32 and are exact for K <= 2^17 = 131072 (int8 or int16 accumulators would overflow after a
 * handful of terms: 3 products of 127 * 127 already exceed int16).
 *
 * Paths, chosen once at run time from what the CPU reports (__builtin_cpu_supports, and CPUID for AMX):
 *   QGEMM_AVX512_VNNI  vpdpbusd: 64 byte products summed four at a time into 16 int32 lanes per
 *                      instruction. It multiplies UNSIGNED by signed bytes, so A is shifted by 128
 *                      (a XOR 0x80 turns int8 a into uint8 a + 128) and 128 sum_k B[j][k] is
 *                      subtracted at the end: sum (a + 128) b - 128 sum b = sum a b, exactly.
 *   QGEMM_AVX2         sign-extends 16 bytes to int16 and uses vpmaddwd (int16 pairs -> int32):
 *                      exact (vpmaddubsw would be faster but saturates its int16 pair sums).
 *   QGEMM_AMX_INT8     Intel's tile unit (Sapphire Rapids and later; qgemm_amx.c): tdpbssd
 *                      multiplies a 16 x 64 int8 tile by a 64 x 16 one into 16 x 16 int32 sums,
 *                      signed by signed (no shift). B is repacked per call (malloc; without memory
 *                      the call falls back to the next path). Needs Linux >= 5.16, which must grant
 *                      the process the tile state (asked on the first qgemm_available() call).
 *                      Tested on every machine against a C model of the tile instructions, and on
 *                      the hardware where it has AMX.
 *   QGEMM_PORTABLE     three loops in C: the oracle the tests compare every other path with.
 * Every path gives the same integers (integer sums do not depend on their order).
 *
 * Errors: qgemm_s8_path() returns -1 after an nn_error() paragraph for a path this CPU lacks.
 * Threads: no state but the path chosen on the first call (idempotent); one thread per call (the
 * AMX path loads its tile configuration in the calling thread and releases it before returning).
 */
#ifndef NN_QGEMM_H
#define NN_QGEMM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { QGEMM_PORTABLE, QGEMM_AVX2, QGEMM_AVX512_VNNI, QGEMM_AMX_INT8, QGEMM_PATHS } qgemm_path_t;

/* 1 when this CPU (and this build) can run `path`; QGEMM_PORTABLE always can. */
int qgemm_available(qgemm_path_t path);

/* "portable", "avx2", "avx512-vnni", "amx-int8". */
const char *qgemm_path_name(qgemm_path_t path);

/* The fastest available path: the one qgemm_s8 uses. */
qgemm_path_t qgemm_best_path(void);

/* C (M, N) = A (M, K) B (N, K)^T, on the best path. M, N, K >= 0; C is overwritten. */
void qgemm_s8(int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K);

/* The same on a given path (for tests and benchmarks); returns 0, or -1 after reporting an
 * unavailable path. */
int qgemm_s8_path(qgemm_path_t path, int32_t *C, const int8_t *A, const int8_t *B, int M, int N, int K);

#ifdef __cplusplus
}
#endif

#endif
