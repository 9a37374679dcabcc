/* bench_sgemm.c — the limits `make bench` compares every workload against, measured in the same
 * run on the same machine: OpenBLAS SGEMM throughput (GFLOP/s) and memory bandwidth (GB/s).
 *
 * and the time the matrix products of one MLP epoch take by themselves.
 *
 * Prints lines of the form `limit: name=... value=... unit=...` for tools/bench.sh. */
#include "layers.h"
#include "matmul.h"
#include "progress.h"
#include "timing.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Best of `reps` timings of C = A B with A (m, k), B (k, n): GFLOP/s. */
static double sgemm_gflops(int m, int n, int k, int reps)
{
    float *A = malloc(sizeof(float) * (size_t)m * k), *B = malloc(sizeof(float) * (size_t)k * n),
          *C = malloc(sizeof(float) * (size_t)m * n);
    rng_t r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < (size_t)m * k; i++) A[i] = rng_uniform(&r);
    for (size_t i = 0; i < (size_t)k * n; i++) B[i] = rng_uniform(&r);
    matmul_blas(0, 0, m, n, k, 1, A, B, 0, C); /* warm up threads and caches */
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t = timing_seconds();
        matmul_blas(0, 0, m, n, k, 1, A, B, 0, C);
        t = timing_seconds() - t;
        best = t < best ? t : best;
    }
    free(A), free(B), free(C);
    return 2.0 * m * n * k / best / 1e9;
}

/* Best-of copy bandwidth over a buffer far larger than the caches, counting bytes read + written. */
static double copy_gbs(size_t bytes, int reps)
{
    char *a = malloc(bytes), *b = malloc(bytes);
    memset(a, 1, bytes), memset(b, 2, bytes);
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t = timing_seconds();
        memcpy(b, a, bytes);
        t = timing_seconds() - t;
        best = t < best ? t : best;
        a[i] = b[bytes - 1 - i]; /* keep the copies observable */
    }
    free(a), free(b);
    return 2.0 * (double)bytes / best / 1e9;
}

/* The matrix products of one epoch of the Fashion-MNIST MLP (784-256-128-10, batch 128, 469
 * steps) alone, best of 3: the floor of chapters 3, 4 and 6's epochs (layers.h). Seconds. */
static double mlp_epoch_gemm_seconds(void)
{
    const int n[4] = {784, 256, 128, 10};
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t = linear_stack_products_seconds(n, 3, 128, 469);
        best = t < best ? t : best;
    }
    return best;
}

int main(void)
{
    printf("limit: name=sgemm_1024 value=%.1f unit=GFLOP/s\n", sgemm_gflops(1024, 1024, 1024, 5));
    /* the MLP's largest product: a batch of 128 through the 784 -> 256 layer */
    printf("limit: name=sgemm_mlp value=%.1f unit=GFLOP/s\n", sgemm_gflops(128, 256, 784, 50));
    printf("limit: name=copy value=%.1f unit=GB/s\n", copy_gbs((size_t)256 << 20, 5));
    printf("limit: name=mlp_gemm_epoch value=%.3f unit=s\n", mlp_epoch_gemm_seconds());
    return 0;
}
