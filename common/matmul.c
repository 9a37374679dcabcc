/* matmul.c — see matmul.h. */
#include "matmul.h"

#include "parallel.h"

#include <cblas.h>
#include <string.h>

void matmul_blas(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
            const float *B, float beta, float *C)
{
    matmul_blas_ld(trans_a, trans_b, M, N, K, alpha, A, trans_a ? M : K, B, trans_b ? K : N, beta, C, N);
}

void matmul_blas_ld(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc)
{
    if (M == 0 || N == 0)
        return;
    if (beta == 0.0f) {
        /* OpenBLAS first scales C by beta in a pass of its own, then its kernels add alpha A B
         * into C. For beta = 0 that pass writes zeros at a fraction of memset's speed on some CPUs
         * (AMD Zen, OpenBLAS 0.3.21: 200 of the 990 us of the MLP's (784, 128) x (128, 256)
         * product). Zeroing C here and asking for beta = 1 gives the same bits: the kernels add
         * into zeros either way. */
        if (ldc == N)
            memset(C, 0, (size_t)M * (size_t)N * sizeof(float));
        else
            for (int i = 0; i < M; i++)
                memset(C + (size_t)i * (size_t)ldc, 0, (size_t)N * sizeof(float));
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

int matmul_set_threads(int n)
{
    int before = openblas_get_num_threads();
    openblas_set_num_threads(n);
    return before;
}

void matmul_parts(int parts, parallel_fn_t fn, void *ctx)
{
    const int threads = matmul_set_threads(1);
    parallel_parts(parts, fn, ctx); /* the pool's threads (parallel.h): no thread started per call */
    matmul_set_threads(threads);
}

typedef struct {
    void *(*fn)(void *);
    void *half[2];
} run2_t;

static void run2_part(void *ctx, size_t i, size_t end)
{
    const run2_t *r = ctx;
    (void)end;
    r->fn(r->half[i]);
}

void matmul_run2(void *(*fn)(void *), void *first, void *second)
{
    run2_t r = {fn, {first, second}};
    matmul_parts(2, run2_part, &r);
}

void matmul_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                  const float *B, float beta, float *C)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0; /* accumulate in double: the oracle should be the more exact side */
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[k * M + i] : A[i * K + k];
                float b = trans_b ? B[j * K + k] : B[k * N + j];
                acc += (double)a * b;
            }
            C[i * N + j] = (float)(alpha * acc + (beta == 0 ? 0 : beta * C[i * N + j]));
        }
}
