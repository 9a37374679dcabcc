/* matmul.c — see matmul.h. */
#include "matmul.h"

#include "parallel.h"

#include <cblas.h>
#include <pthread.h>
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

/* OpenBLAS's thread count is one number for the whole process, and the layers that hold it to one
 * thread may run in several threads at once. A save/set/restore in each would race: the second
 * to enter saves the 1 the first set, and whoever leaves last "restores" that 1 for good, or the
 * first to leave restores the full count under the other's feet. So the holds are counted: the
 * first to enter saves the count and sets 1, the last to leave restores it, and a count asked
 * for meanwhile (matmul_set_threads) is what that restore sets. An uncontended lock costs tens of
 * nanoseconds, against the microseconds of the smallest layer call that takes it. */
static pthread_mutex_t single_lock = PTHREAD_MUTEX_INITIALIZER;
static int single_holders; /* calls between matmul_single_begin and matmul_single_end */
static int single_saved;   /* the count to restore when the last of them ends */

void matmul_single_begin(void)
{
    pthread_mutex_lock(&single_lock);
    if (single_holders++ == 0) {
        single_saved = openblas_get_num_threads();
        if (single_saved != 1)
            openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&single_lock);
}

void matmul_single_end(void)
{
    pthread_mutex_lock(&single_lock);
    if (single_holders > 0 && --single_holders == 0 && single_saved != 1)
        openblas_set_num_threads(single_saved);
    pthread_mutex_unlock(&single_lock);
}

int matmul_set_threads(int n)
{
    pthread_mutex_lock(&single_lock);
    int before;
    if (single_holders > 0) { /* held at 1 now: n is what the last holder's end restores */
        before = single_saved;
        single_saved = n;
    } else {
        before = openblas_get_num_threads();
        openblas_set_num_threads(n);
    }
    pthread_mutex_unlock(&single_lock);
    return before;
}

void matmul_parts(int parts, parallel_fn_t fn, void *ctx)
{
    matmul_single_begin();
    parallel_parts(parts, fn, ctx); /* the pool's threads (parallel.h): no thread started per call */
    matmul_single_end();
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
