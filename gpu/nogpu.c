/* nogpu.c — the library without CUDA: what `make gpu` builds when nvcc is not found.
 *
 * Every function of gpu.h exists and checks its arguments exactly as the CUDA build does (the
 * checks are in host.c, shared by both), then returns GPU_ERR_NO_GPU with a message that says
 * why: this copy of the library was built without nvcc. So the chapter and its tests build and
 * run everywhere; the tests that need a GPU report themselves as skipped, with this reason.
 */
#include "internal.h"

#include <stdio.h>

#define REASON                                                                                      \
    "no CUDA GPU: this library was built without nvcc (the no-GPU fallback, gpu/nogpu.c); install "  \
    "the CUDA toolkit and run make gpu on a machine with an NVIDIA GPU"

int gpu_built_with_cuda(void) { return 0; }

const char *gpu_no_gpu_reason(void) { return REASON; }

gpu_status gpu_probe(char *why, size_t n)
{
    if (why && n)
        snprintf(why, n, "%s", REASON);
    return GPU_ERR_NO_GPU;
}

static gpu_status no_gpu(const char *op)
{
    gpu_report("chapter 13's kernels need an NVIDIA GPU and nvcc; see chapters/13_cuda/README-gpu.md", "%s: %s", op,
               REASON);
    return GPU_ERR_NO_GPU;
}

gpu_status gpu_get_info(gpu_info *info)
{
    (void)info;
    return no_gpu("gpu_get_info");
}

gpu_status gpu_malloc(void **ptr, size_t bytes)
{
    *ptr = NULL;
    if (bytes == 0) {
        gpu_report("ask for at least one element", "gpu_malloc: 0 bytes requested: expected bytes >= 1");
        return GPU_ERR_ARGS;
    }
    return no_gpu("gpu_malloc");
}

void gpu_free(void *ptr) { (void)ptr; }

gpu_status gpu_upload(void *dst, const void *src, size_t bytes)
{
    (void)dst, (void)src, (void)bytes;
    return no_gpu("gpu_upload");
}

gpu_status gpu_download(void *dst, const void *src, size_t bytes)
{
    (void)dst, (void)src, (void)bytes;
    return no_gpu("gpu_download");
}

gpu_status gpu_copy(void *dst, const void *src, size_t bytes)
{
    (void)dst, (void)src, (void)bytes;
    return no_gpu("gpu_copy");
}

gpu_status gpu_memset(void *dst, int byte, size_t bytes)
{
    (void)dst, (void)byte, (void)bytes;
    return no_gpu("gpu_memset");
}

gpu_status gpu_synchronize(void) { return no_gpu("gpu_synchronize"); }

gpu_status gpu_time(gpu_status (*fn)(void *), void *arg, int warmup, int reps, double *ms)
{
    (void)fn, (void)arg, (void)warmup, (void)reps, (void)ms;
    return no_gpu("gpu_time");
}

gpu_status gpu_sgemm(int version, int M, int N, int K, float alpha, const float *A, const float *B, float beta,
                     float *C)
{
    (void)alpha, (void)beta;
    gpu_status s = gpu_sgemm_check(version, M, N, K, A, B, C);
    return s != GPU_OK ? s : no_gpu("gpu_sgemm");
}

gpu_status gpu_sgemm_occupancy(int version, int *blocks_per_sm, int *regs, int *smem_bytes)
{
    (void)blocks_per_sm, (void)regs, (void)smem_bytes;
    static const float dummy = 0; /* only the version is checked */
    gpu_status s = gpu_sgemm_check(version, 1, 1, 1, &dummy, &dummy, &dummy);
    return s != GPU_OK ? s : no_gpu("gpu_sgemm_occupancy");
}

gpu_status gpu_softmax_forward(int version, float *y, const float *x, int rows, int cols)
{
    gpu_status s = gpu_softmax_check(version, y, x, rows, cols);
    return s != GPU_OK ? s : no_gpu("gpu_softmax_forward");
}

gpu_status gpu_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                                 const float *beta, int rows, int cols, float eps)
{
    (void)mean, (void)rstd, (void)eps;
    gpu_status s = gpu_layernorm_forward_check(y, x, gamma, beta, rows, cols);
    return s != GPU_OK ? s : no_gpu("gpu_layernorm_forward");
}

gpu_status gpu_layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                  const float *gamma, const float *mean, const float *rstd, int rows, int cols)
{
    gpu_status s = gpu_layernorm_backward_check(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols);
    return s != GPU_OK ? s : no_gpu("gpu_layernorm_backward");
}

gpu_status gpu_attention_forward(int version, float *o, const float *q, const float *k, const float *v, int BH,
                                 int T, int D, int causal, float *scratch)
{
    (void)causal, (void)scratch;
    gpu_status s = gpu_attention_check(version, o, q, k, v, BH, T, D);
    return s != GPU_OK ? s : no_gpu("gpu_attention_forward");
}

gpu_status gpu_igemm(int32_t *C, const int8_t *A, const int8_t *Bt, int M, int N, int K)
{
    gpu_status s = gpu_igemm_check(C, A, Bt, M, N, K);
    return s != GPU_OK ? s : no_gpu("gpu_igemm");
}

gpu_status gpu_ex_saxpy(float *y, const float *x, float a, int n)
{
    (void)y, (void)x, (void)a, (void)n;
    return no_gpu("gpu_ex_saxpy");
}

gpu_status gpu_ex_block_sum(float *out, const float *x, int n)
{
    (void)out, (void)x, (void)n;
    return no_gpu("gpu_ex_block_sum");
}

gpu_status gpu_ex_sgemm(int version, float *C, const float *A, const float *B, int M, int N, int K)
{
    (void)version, (void)C, (void)A, (void)B, (void)M, (void)N, (void)K;
    return no_gpu("gpu_ex_sgemm");
}

gpu_status gpu_ex_softmax(float *y, const float *x, int rows, int cols)
{
    (void)y, (void)x, (void)rows, (void)cols;
    return no_gpu("gpu_ex_softmax");
}

gpu_status gpu_ex_attention(float *o, const float *q, const float *k, const float *v, int BH, int T)
{
    (void)o, (void)q, (void)k, (void)v, (void)BH, (void)T;
    return no_gpu("gpu_ex_attention");
}
