/* host.c — the plain-C half of gpu/: argument checks, messages and the host-tensor convenience
 * functions. Compiled by cc into both builds (with nvcc and without), so that bad arguments get
 * the same clear message on every machine. See gpu.h. */
#include "internal.h"

#include "error.h"
#include "kernels.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *gpu_status_str(gpu_status s)
{
    switch (s) {
    case GPU_OK: return "ok";
    case GPU_ERR_NO_GPU: return "no GPU";
    case GPU_ERR_ARGS: return "bad arguments";
    case GPU_ERR_MEMORY: return "out of memory";
    case GPU_ERR_CUDA: return "CUDA error";
    }
    return "unknown status";
}

void gpu_report_at(const char *file, int line, const char *hint, const char *fmt, ...)
{
    const char *quiet = getenv("GPU_QUIET");
    if (quiet && *quiet && *quiet != '0')
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nn_error_at(file, line, hint, "%s", msg);
}

/* --- argument checks ------------------------------------------------------------------------ */

gpu_status gpu_check_size(const char *op, const char *name, long long value, long long lo, long long hi)
{
    if (value >= lo && value <= hi)
        return GPU_OK;
    if (value < lo)
        gpu_report("every size must be at least 1: an empty matrix has nothing to compute, and a "
                   "negative one is usually two arguments swapped or an uninitialized variable",
                   "%s: %s = %lld: expected %s >= %lld", op, name, value, name, lo);
    else
        gpu_report("split the work into smaller calls", "%s: %s = %lld: expected %s <= %lld", op, name,
                   value, name, hi);
    return GPU_ERR_ARGS;
}

gpu_status gpu_check_elements(const char *op, const char *name, long long rows, long long cols)
{
    if (rows * cols <= INT_MAX)
        return GPU_OK;
    gpu_report("the kernels index with 32-bit ints, which keeps their address arithmetic cheap; "
               "split the matrix into smaller pieces",
               "%s: %s is %lld x %lld = %lld elements: expected at most 2^31 - 1 = %d", op, name, rows,
               cols, rows * cols, INT_MAX);
    return GPU_ERR_ARGS;
}

static gpu_status check_version(const char *op, int version, int count)
{
    if (version >= 1 && version <= count)
        return GPU_OK;
    gpu_report("the versions are the rows of the table in gpu/kernels.h",
               "%s: version %d does not exist: expected 1 .. %d", op, version, count);
    return GPU_ERR_ARGS;
}

static gpu_status check_pointers(const char *op, const void *a, const char *an, const void *b, const char *bn,
                                 const void *c, const char *cn)
{
    const void *p[3] = {a, b, c};
    const char *n[3] = {an, bn, cn};
    for (int i = 0; i < 3; i++)
        if (n[i] && !p[i]) {
            gpu_report("allocate device memory with gpu_malloc first", "%s: %s is NULL: expected a device pointer",
                       op, n[i]);
            return GPU_ERR_ARGS;
        }
    return GPU_OK;
}

#define TRY(x)                                                                                      \
    do {                                                                                            \
        gpu_status s_ = (x);                                                                        \
        if (s_ != GPU_OK)                                                                           \
            return s_;                                                                              \
    } while (0)

gpu_status gpu_sgemm_check(int version, int M, int N, int K, const void *A, const void *B, const void *C)
{
    const char *op = "gpu_sgemm";
    TRY(check_version(op, version, GPU_SGEMM_COUNT));
    TRY(gpu_check_size(op, "M", M, 1, INT_MAX));
    TRY(gpu_check_size(op, "N", N, 1, INT_MAX));
    TRY(gpu_check_size(op, "K", K, 1, INT_MAX));
    TRY(gpu_check_elements(op, "A (M x K)", M, K));
    TRY(gpu_check_elements(op, "B (K x N)", K, N));
    TRY(gpu_check_elements(op, "C (M x N)", M, N));
    return check_pointers(op, A, "A", B, "B", C, "C");
}

gpu_status gpu_softmax_check(int version, const void *y, const void *x, int rows, int cols)
{
    const char *op = "gpu_softmax_forward";
    TRY(check_version(op, version, GPU_SOFTMAX_COUNT));
    TRY(gpu_check_size(op, "rows", rows, 1, INT_MAX));
    TRY(gpu_check_size(op, "cols", cols, 1, INT_MAX));
    TRY(gpu_check_elements(op, "x", rows, cols));
    return check_pointers(op, y, "y", x, "x", NULL, NULL);
}

static gpu_status check_layernorm_sizes(const char *op, int rows, int cols)
{
    TRY(gpu_check_size(op, "rows", rows, 1, INT_MAX));
    TRY(gpu_check_size(op, "cols", cols, 1, INT_MAX));
    return gpu_check_elements(op, "x", rows, cols);
}

gpu_status gpu_layernorm_forward_check(const void *y, const void *x, const void *gamma, const void *beta, int rows,
                                       int cols)
{
    const char *op = "gpu_layernorm_forward";
    TRY(check_layernorm_sizes(op, rows, cols));
    TRY(check_pointers(op, y, "y", x, "x", gamma, "gamma"));
    return check_pointers(op, beta, "beta", NULL, NULL, NULL, NULL);
}

gpu_status gpu_layernorm_backward_check(const void *dx, const void *dgamma, const void *dbeta, const void *dy,
                                        const void *x, const void *gamma, const void *mean, const void *rstd,
                                        int rows, int cols)
{
    const char *op = "gpu_layernorm_backward";
    TRY(check_layernorm_sizes(op, rows, cols));
    TRY(check_pointers(op, dx, "dx", dgamma, "dgamma", dbeta, "dbeta"));
    TRY(check_pointers(op, dy, "dy", x, "x", gamma, "gamma"));
    /* mean and rstd come from the forward pass */
    return check_pointers(op, mean, "mean", rstd, "rstd", NULL, NULL);
}

gpu_status gpu_attention_check(int version, const void *o, const void *q, const void *k, const void *v,
                               int BH, int T, int D)
{
    const char *op = "gpu_attention_forward";
    TRY(check_version(op, version, GPU_ATTENTION_COUNT));
    TRY(gpu_check_size(op, "BH", BH, 1, INT_MAX));
    TRY(gpu_check_size(op, "T", T, 1, INT_MAX));
    TRY(gpu_check_size(op, "D", D, 1, INT_MAX));
    TRY(gpu_check_elements(op, "q (BH*T x D)", (long long)BH * T, D));
    if (version == 1)
        TRY(gpu_check_elements(op, "the scores (BH*T x T)", (long long)BH * T, T));
    if (version == 2 && D != 16 && D != 32 && D != 64) {
        gpu_report("the fused kernel keeps a query row and its output in registers, sized at compile "
                   "time; use version 1 (unfused) for other head sizes",
                   "%s: head size D = %d: the fused kernel (version 2) takes D = 16, 32 or 64", op, D);
        return GPU_ERR_ARGS;
    }
    TRY(check_pointers(op, o, "o", q, "q", k, "k"));
    return check_pointers(op, v, "v", NULL, NULL, NULL, NULL);
}

gpu_status gpu_igemm_check(const void *C, const void *A, const void *Bt, int M, int N, int K)
{
    const char *op = "gpu_igemm";
    TRY(gpu_check_size(op, "M", M, 1, INT_MAX));
    TRY(gpu_check_size(op, "N", N, 1, INT_MAX));
    /* 128 * 128 * K must stay at most INT32_MAX = 2^31 - 1: K <= 2^17 - 1 = 131071. */
    if (K > 131071) {
        gpu_report("each product of two int8 values is at most 128 * 128 = 2^14 in size, so 2^17 of them "
                   "reach 2^31, one more than INT32_MAX; split K and add the partial results in int64",
                   "gpu_igemm: K = %d: expected K <= 131071 so that the int32 sums cannot overflow", K);
        return GPU_ERR_ARGS;
    }
    TRY(gpu_check_size(op, "K", K, 1, 131071));
    TRY(gpu_check_elements(op, "A (M x K)", M, K));
    TRY(gpu_check_elements(op, "Bt (N x K)", N, K));
    TRY(gpu_check_elements(op, "C (M x N)", M, N));
    return check_pointers(op, C, "C", A, "A", Bt, "Bt");
}

size_t gpu_attention_scratch_floats(int BH, int T)
{
    return (size_t)BH * (size_t)T * (size_t)T;
}

/* --- host tensors: upload, run, download ---------------------------------------------------- */

static gpu_status check_matrix(const char *op, const char *name, tensor_t t, int rows, int cols)
{
    if (t.ndim == 2 && t.shape[0] == rows && t.shape[1] == cols && t.data)
        return GPU_OK;
    char got[64];
    gpu_report("check the shapes of the arguments: which one was created or reshaped differently?",
               "%s: %s has shape %s, expected (%d, %d)", op, name, tensor_shape_str(t, got), rows, cols);
    return GPU_ERR_ARGS;
}

static gpu_status check_2d(const char *op, const char *name, tensor_t t)
{
    if (t.ndim == 2 && t.data)
        return GPU_OK;
    char got[64];
    gpu_report("pass a (rows, cols) matrix", "%s: %s has shape %s, expected a matrix (2 dimensions)", op, name,
               tensor_shape_str(t, got));
    return GPU_ERR_ARGS;
}

/* Device copies of up to 6 host arrays; frees what it allocated on failure. */
typedef struct {
    void *dev[6];
    int n;
} dev_set;

static void dev_set_free(dev_set *s)
{
    for (int i = 0; i < s->n; i++)
        gpu_free(s->dev[i]);
    s->n = 0;
}

static gpu_status dev_put(dev_set *s, float **dev, const float *host, size_t count)
{
    void *p = NULL;
    gpu_status st = gpu_malloc(&p, count * sizeof(float));
    if (st != GPU_OK)
        return st;
    s->dev[s->n++] = p;
    *dev = p;
    return host ? gpu_upload(p, host, count * sizeof(float)) : GPU_OK;
}

gpu_status gpu_matmul_host(int version, tensor_t C, tensor_t A, tensor_t B)
{
    const char *op = "gpu_matmul_host";
    TRY(check_2d(op, "A", A));
    TRY(check_2d(op, "B", B));
    int M = A.shape[0], K = A.shape[1], N = B.shape[1];
    if (B.shape[0] != K) {
        char a[64], b[64];
        gpu_report("in C = A B, A's columns are summed against B's rows: the inner sizes must agree "
                   "(is one of them transposed?)",
                   "%s: A is %s and B is %s: A's %d columns do not match B's %d rows", op,
                   tensor_shape_str(A, a), tensor_shape_str(B, b), K, B.shape[0]);
        return GPU_ERR_ARGS;
    }
    TRY(check_matrix(op, "C", C, M, N));
    float *dA = NULL, *dB = NULL, *dC = NULL;
    TRY(gpu_sgemm_check(version, M, N, K, A.data, B.data, C.data)); /* before any allocation */
    dev_set s = {{0}, 0};
    gpu_status st;
    if ((st = dev_put(&s, &dA, A.data, (size_t)M * K)) == GPU_OK &&
        (st = dev_put(&s, &dB, B.data, (size_t)K * N)) == GPU_OK &&
        (st = dev_put(&s, &dC, NULL, (size_t)M * N)) == GPU_OK &&
        (st = gpu_sgemm(version, M, N, K, 1.0f, dA, dB, 0.0f, dC)) == GPU_OK)
        st = gpu_download(C.data, dC, (size_t)M * N * sizeof(float));
    dev_set_free(&s);
    return st;
}

gpu_status gpu_softmax_host(int version, tensor_t y, tensor_t x)
{
    const char *op = "gpu_softmax_host";
    TRY(check_2d(op, "x", x));
    int rows = x.shape[0], cols = x.shape[1];
    TRY(check_matrix(op, "y", y, rows, cols));
    TRY(gpu_softmax_check(version, y.data, x.data, rows, cols));
    float *dx = NULL;
    dev_set s = {{0}, 0};
    gpu_status st;
    if ((st = dev_put(&s, &dx, x.data, (size_t)rows * cols)) == GPU_OK &&
        (st = gpu_softmax_forward(version, dx, dx, rows, cols)) == GPU_OK)
        st = gpu_download(y.data, dx, (size_t)rows * cols * sizeof(float));
    dev_set_free(&s);
    return st;
}

gpu_status gpu_layernorm_host(tensor_t y, tensor_t mean, tensor_t rstd, tensor_t x, tensor_t gamma, tensor_t beta, float eps)
{
    const char *op = "gpu_layernorm_host";
    TRY(check_2d(op, "x", x));
    int rows = x.shape[0], cols = x.shape[1];
    TRY(check_matrix(op, "y", y, rows, cols));
    TRY(check_matrix(op, "gamma", gamma, 1, cols));
    TRY(check_matrix(op, "beta", beta, 1, cols));
    if (mean.data)
        TRY(check_matrix(op, "mean", mean, rows, 1));
    if (rstd.data)
        TRY(check_matrix(op, "rstd", rstd, rows, 1));
    TRY(gpu_layernorm_forward_check(y.data, x.data, gamma.data, beta.data, rows, cols));
    float *dx = NULL, *dg = NULL, *db = NULL, *dm = NULL, *dr = NULL;
    dev_set s = {{0}, 0};
    gpu_status st;
    if ((st = dev_put(&s, &dx, x.data, (size_t)rows * cols)) == GPU_OK &&
        (st = dev_put(&s, &dg, gamma.data, (size_t)cols)) == GPU_OK &&
        (st = dev_put(&s, &db, beta.data, (size_t)cols)) == GPU_OK &&
        (st = dev_put(&s, &dm, NULL, (size_t)rows)) == GPU_OK &&
        (st = dev_put(&s, &dr, NULL, (size_t)rows)) == GPU_OK &&
        (st = gpu_layernorm_forward(dx, dm, dr, dx, dg, db, rows, cols, eps)) == GPU_OK &&
        (st = gpu_download(y.data, dx, (size_t)rows * cols * sizeof(float))) == GPU_OK) {
        if (mean.data)
            st = gpu_download(mean.data, dm, (size_t)rows * sizeof(float));
        if (st == GPU_OK && rstd.data)
            st = gpu_download(rstd.data, dr, (size_t)rows * sizeof(float));
    }
    dev_set_free(&s);
    return st;
}

static gpu_status check_3d(const char *op, const char *name, tensor_t t, int BH, int T, int D)
{
    if (t.ndim == 3 && t.data && (BH < 0 || (t.shape[0] == BH && t.shape[1] == T && t.shape[2] == D)))
        return GPU_OK;
    char got[64];
    if (BH < 0)
        gpu_report("attention takes (BH, T, D) tensors: batch times heads, time steps, head size",
                   "%s: %s has shape %s, expected 3 dimensions (BH, T, D)", op, name, tensor_shape_str(t, got));
    else
        gpu_report("q, k, v and o must all be (BH, T, D): check how they were split into heads",
                   "%s: %s has shape %s, expected (%d, %d, %d) like q", op, name, tensor_shape_str(t, got), BH, T, D);
    return GPU_ERR_ARGS;
}

gpu_status gpu_attention_host(int version, tensor_t o, tensor_t q, tensor_t k, tensor_t v, int causal)
{
    const char *op = "gpu_attention_host";
    TRY(check_3d(op, "q", q, -1, 0, 0));
    int BH = q.shape[0], T = q.shape[1], D = q.shape[2];
    TRY(check_3d(op, "k", k, BH, T, D));
    TRY(check_3d(op, "v", v, BH, T, D));
    TRY(check_3d(op, "o", o, BH, T, D));
    TRY(gpu_attention_check(version, o.data, q.data, k.data, v.data, BH, T, D));
    size_t n = (size_t)BH * T * D;
    float *dq = NULL, *dk = NULL, *dv = NULL, *dout = NULL;
    dev_set s = {{0}, 0};
    gpu_status st;
    if ((st = dev_put(&s, &dq, q.data, n)) == GPU_OK && (st = dev_put(&s, &dk, k.data, n)) == GPU_OK &&
        (st = dev_put(&s, &dv, v.data, n)) == GPU_OK && (st = dev_put(&s, &dout, NULL, n)) == GPU_OK &&
        (st = gpu_attention_forward(version, dout, dq, dk, dv, BH, T, D, causal, NULL)) == GPU_OK)
        st = gpu_download(o.data, dout, n * sizeof(float));
    dev_set_free(&s);
    return st;
}
