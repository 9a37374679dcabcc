/* sgemm.cu — the SGEMM ladder: includes every step (one file each, gpu/sgemm/NN_name.cuh) and
 * dispatches gpu_sgemm(version, ...) to the step of that number, through the table of
 * gpu/kernels.h. */
#include "cuda_check.cuh"
#include "kernels.h"
#include "tile_io.cuh"

/* The steps, in the order of the table in kernels.h (a test checks that the two agree). */
#include "sgemm/01_naive.cuh"
#include "sgemm/02_coalesced.cuh"
#include "sgemm/03_smem.cuh"
#include "sgemm/04_blocktile_1d.cuh"
#include "sgemm/05_blocktile_2d.cuh"
#include "sgemm/06_vectorized.cuh"
#include "sgemm/07_warptile.cuh"
#include "sgemm/08_tf32_wmma.cuh"
#include "sgemm/09_async_swizzle.cuh"

/* What the CUDA runtime says about one kernel: registers, static shared memory, and how many
 * blocks of `threads` threads it keeps resident per SM. */
template <typename Kernel>
static gpu_status kernel_occupancy(Kernel kernel, int threads, int *blocks, int *regs, int *smem)
{
    cudaFuncAttributes a;
    CUDA_CHECK(cudaFuncGetAttributes(&a, (const void *)kernel));
    *regs = a.numRegs;
    *smem = (int)a.sharedSizeBytes;
    CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks, kernel, threads, 0));
    return GPU_OK;
}

extern "C" gpu_status gpu_sgemm_occupancy(int version, int *blocks_per_sm, int *regs, int *smem_bytes)
{
    static const float dummy = 0; /* only the version is checked */
    gpu_status s = gpu_sgemm_check(version, 1, 1, 1, &dummy, &dummy, &dummy);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_sgemm_occupancy");
    switch (version) {
#define OCCUPANCY(num, name, file, prec, threads, lesson)                                           \
    case num:                                                                                       \
        return kernel_occupancy(sgemm_##name##_instance, threads, blocks_per_sm, regs, smem_bytes);
        GPU_SGEMM_KERNELS(OCCUPANCY)
#undef OCCUPANCY
    }
    return GPU_ERR_ARGS;
}

extern "C" gpu_status gpu_sgemm(int version, int M, int N, int K, float alpha, const float *A, const float *B,
                                float beta, float *C)
{
    gpu_status s = gpu_sgemm_check(version, M, N, K, A, B, C);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_sgemm");
    switch (version) {
#define DISPATCH(num, name, file, prec, threads, lesson)                                                     \
    case num:                                                                                       \
        return sgemm_launch_##name(M, N, K, alpha, A, B, beta, C);
        GPU_SGEMM_KERNELS(DISPATCH)
#undef DISPATCH
    }
    return GPU_ERR_ARGS; /* not reached: gpu_sgemm_check knows the versions */
}
