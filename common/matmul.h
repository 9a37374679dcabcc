/* matmul.h — matrix products, the one operation that dominates training time.
 *
 *   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T
 *
 * with C (M, N), op(A) (M, K), op(B) (K, N), all row-major and contiguous (so A is stored (M, K),
 * or (K, M) when transposed). matmul_blas() calls OpenBLAS's cblas_sgemm, which blocks for the caches
 * and uses SIMD and threads; matmul_naive() is the three-loop definition, kept as the oracle the
 * tests compare against and as the version to read.
 *
 * Threads: no state of its own; matmul_blas runs on OpenBLAS's threads (OPENBLAS_NUM_THREADS sets
 * how many, matmul_set_threads changes it for the whole process); matmul_parts and matmul_run2 run
 * their parts on parallel.h's pool and hold OpenBLAS to one thread (for the whole process) until
 * they return.
 * Prefixes: matmul_
 */
#ifndef NN_MATMUL_H
#define NN_MATMUL_H

#include "parallel.h"

#ifdef __cplusplus
extern "C" {
#endif

void matmul_blas(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
            const float *B, float beta, float *C);

/* The same with the row strides given (floats from one row to the next: lda >= the stored row's
 * length, K or M for A, and so on): the operands may be columns of wider matrices, such as one
 * head's (T, D) block inside a (T, 3C) matrix of [q | k | v] rows. */
void matmul_blas_ld(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc);

/* Sets how many threads OpenBLAS uses for the products that follow (n >= 1) and returns how many it
 * used before, so a caller can restore it: matmul_set_threads(matmul_set_threads(1)) changes
 * nothing. Global state: it affects every thread's products. */
int matmul_set_threads(int n);

/* Calls fn(ctx, i, i + 1) for every part i of [0, parts) on parallel.h's threads (parallel_parts),
 * with OpenBLAS held to one thread meanwhile (restored before it returns): independent pieces of a
 * job whose products are too small for OpenBLAS to share well, each piece's products on the core
 * that runs it (attention.h's slices). The parts are the caller's, so the results are the same on
 * any number of cores. */
void matmul_parts(int parts, parallel_fn_t fn, void *ctx);

/* matmul_parts with two parts: fn(first) and fn(second) at once, two independent halves of a job whose
 * products are too thin for OpenBLAS to share (conv.h, lenet.h). With one core (or NN_THREADS=1)
 * they run one after the other: the same results. */
void matmul_run2(void *(*fn)(void *), void *first, void *second);
void matmul_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                  const float *B, float beta, float *C);

#ifdef __cplusplus
}
#endif

#endif
