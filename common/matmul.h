/* matmul.h — matrix products, the one operation that dominates training time.
 *
 *   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T
 *
 * with C (M, N), op(A) (M, K), op(B) (K, N), all row-major and contiguous (so A is stored (M, K),
 * or (K, M) when transposed). matmul_blas() calls OpenBLAS's cblas_sgemm, which blocks for the caches
 * and uses SIMD and threads; matmul_naive() is the three-loop definition, kept as the oracle the
 * tests compare against and as the version to read.
 *
 * Threads: matmul_blas, matmul_blas_ld and matmul_naive are safe from any thread; the products
 * run on OpenBLAS's threads, whose number (OPENBLAS_NUM_THREADS at start, then matmul_set_threads)
 * is one setting for the whole process. matmul_parts, matmul_run2 and the layers built on them
 * (conv.h, lenet.h, attention.h, gpt.h) hold that setting to 1 while they run, and may be called
 * from several threads at once, each on its own buffers: the holds are counted, the first to
 * begin saves the setting and the last to end restores it, so every held call computes the same
 * bits as alone. Meanwhile every other product of the process runs on one OpenBLAS thread too
 * (slower, and with OpenBLAS 0.3.21 not always the same last bits: its sums depend on its thread
 * count).
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
 * nothing. Global state: it affects every thread's products. While a hold (below) is running, n
 * takes effect when the last hold ends, and the value returned is the one that hold will restore.
 * To hold OpenBLAS to one thread around code that may run in several threads at once, use
 * matmul_single_begin/end, not a save and restore with this (two such pairs interleaved leave the
 * process on 1 thread for good). */
int matmul_set_threads(int n);

/* Holds OpenBLAS to one thread from begin to end, for products too thin to share that the caller
 * spreads over the cores itself. Holds nest and overlap across threads: the first begin saves the
 * thread count and sets 1, the last end restores it (a mutex and a counter: tens of nanoseconds
 * uncontended). Every begin needs its end, on the same thread. */
void matmul_single_begin(void);
void matmul_single_end(void);

/* Calls fn(ctx, i, i + 1) for every part i of [0, parts) on parallel.h's threads (parallel_parts),
 * with OpenBLAS held to one thread meanwhile (matmul_single_begin/end): independent pieces of a
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
