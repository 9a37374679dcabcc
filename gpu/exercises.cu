/* exercises.cu — the kernels of chapter 13's exercises 13.10 to 13.15 on the GPU.
 *
 * chapters/13_cuda/ex_kernels.cuh is the same source the simulator (gpu/cusim.c) runs on the CPU;
 * here gpu/cusim.h turns its macro layer into CUDA (KERNEL = __global__, LD(p, i) = p[i], ...).
 * It is included from the edition being built (-I of the chapter directory): the reference, or a
 * student's workbook, so on a GPU machine the tests run the student's kernels on the device. The
 * launch shapes are those of the simulated launches in 13_cuda.c. */
#include "cuda_check.cuh"
#include "ex_kernels.cuh"
#include "internal.h"

static gpu_status ex_check(const char *op, long long n, const void *a, const void *b)
{
    if (!a || !b) {
        gpu_report("pass device pointers from gpu_malloc", "%s: a NULL pointer", op);
        return GPU_ERR_ARGS;
    }
    return gpu_check_size(op, "n", n, 1, 1 << 26);
}

extern "C" gpu_status gpu_ex_saxpy(float *y, const float *x, float a, int n)
{
    gpu_status s = ex_check("gpu_ex_saxpy", n, y, x);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_ex_saxpy");
    const int threads = 128, per_block = threads * EX_MAP_PER_THREAD;
    ex_saxpy<<<(n + per_block - 1) / per_block, threads>>>(y, x, a, n);
    CUDA_CHECK_LAUNCH("ex_saxpy");
    return GPU_OK;
}

extern "C" gpu_status gpu_ex_block_sum(float *out, const float *x, int n)
{
    gpu_status s = ex_check("gpu_ex_block_sum", n, out, x);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_ex_block_sum");
    ex_block_sum<<<(n + EX_REDUCE_THREADS - 1) / EX_REDUCE_THREADS, EX_REDUCE_THREADS>>>(out, x, n);
    CUDA_CHECK_LAUNCH("ex_block_sum");
    return GPU_OK;
}

extern "C" gpu_status gpu_ex_sgemm(int version, float *C, const float *A, const float *B, int M, int N, int K)
{
    gpu_status s = ex_check("gpu_ex_sgemm", (long long)M * N, C, A);
    if (s == GPU_OK)
        s = ex_check("gpu_ex_sgemm", (long long)K * (version == 1 || version == 2), B, B);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_ex_sgemm");
    if (version == 1) {
        dim3 grid((N + EX_TILE - 1) / EX_TILE, (M + EX_TILE - 1) / EX_TILE), block(EX_TILE, EX_TILE);
        ex_sgemm_tiled<<<grid, block>>>(C, A, B, M, N, K);
        CUDA_CHECK_LAUNCH("ex_sgemm_tiled");
    } else {
        dim3 grid((N + EX_BN - 1) / EX_BN, (M + EX_BM - 1) / EX_BM), block(EX_BN / EX_TN, EX_BM / EX_TM);
        ex_sgemm_regtile<<<grid, block>>>(C, A, B, M, N, K);
        CUDA_CHECK_LAUNCH("ex_sgemm_regtile");
    }
    return GPU_OK;
}

extern "C" gpu_status gpu_ex_softmax(float *y, const float *x, int rows, int cols)
{
    gpu_status s = ex_check("gpu_ex_softmax", (long long)rows * cols, y, x);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_ex_softmax");
    const int warps = 4;
    ex_softmax_warp<<<(rows + warps - 1) / warps, 32 * warps>>>(y, x, rows, cols);
    CUDA_CHECK_LAUNCH("ex_softmax_warp");
    return GPU_OK;
}

extern "C" gpu_status gpu_ex_attention(float *o, const float *q, const float *k, const float *v, int BH, int T)
{
    gpu_status s = ex_check("gpu_ex_attention", (long long)BH * T, o, q);
    if (s == GPU_OK)
        s = ex_check("gpu_ex_attention", T, k, v);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_ex_attention");
    dim3 grid((T + 31) / 32, BH);
    ex_attention<<<grid, 32>>>(o, q, k, v, T);
    CUDA_CHECK_LAUNCH("ex_attention");
    return GPU_OK;
}
