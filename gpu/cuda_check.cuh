/* cuda_check.cuh — checking every CUDA call, and what every kernel file of gpu/ includes first.
 *
 *   CUDA_CHECK(cudaMalloc(&p, bytes));          returns from the enclosing gpu_status function on
 *                                                failure, after reporting file:line, the call and
 *                                                CUDA's error string
 *   kernel<<<grid, block>>>(...);
 *   CUDA_CHECK_LAUNCH("sgemm_naive_kernel");    a launch reports nothing by itself: ask for its
 *                                                error right after it
 *
 * A kernel runs asynchronously: an error inside it (an out-of-bounds access, a __trap) shows up
 * at the next synchronizing call, whose line is then reported. GPU_SYNC=1 in the environment
 * synchronizes after every launch, so the error is reported at the launch that caused it.
 */
#ifndef NN_GPU_CUDA_CHECK_CUH
#define NN_GPU_CUDA_CHECK_CUH

#include <cuda_runtime.h>

#include "internal.h"

/* error.h is C11 (_Noreturn), this file is C++: give the keyword its GNU spelling meanwhile. */
extern "C" {
#define _Noreturn __attribute__((noreturn))
#include "error.h"
#undef _Noreturn
}

/* The exercises of chapter 13 that the kernels call (coalesced_index, tile_count, the merges),
 * from the edition being built (-I chapters/13_cuda or the workbook's copy). */
#include "kernel_math.h"

/* Report a failed CUDA call and map it to a gpu_status (GPU_ERR_MEMORY or GPU_ERR_CUDA). */
gpu_status gpu_cuda_failed(const char *file, int line, const char *what, cudaError_t err);

/* 1 when GPU_SYNC=1: synchronize after every launch. */
int gpu_sync_each_launch(void);

#define CUDA_CHECK(call)                                                                            \
    do {                                                                                            \
        cudaError_t err_ = (call);                                                                  \
        if (err_ != cudaSuccess)                                                                    \
            return gpu_cuda_failed(__FILE__, __LINE__, #call, err_);                                \
    } while (0)

#define CUDA_CHECK_LAUNCH(kernel_name)                                                              \
    do {                                                                                            \
        cudaError_t err_ = cudaGetLastError();                                                      \
        if (err_ == cudaSuccess && gpu_sync_each_launch())                                          \
            err_ = cudaDeviceSynchronize();                                                         \
        if (err_ != cudaSuccess)                                                                    \
            return gpu_cuda_failed(__FILE__, __LINE__, "launching " kernel_name, err_);             \
    } while (0)

/* Every entry point starts with this: GPU_OK, or GPU_ERR_NO_GPU after saying why. */
#define REQUIRE_GPU(op)                                                                             \
    do {                                                                                            \
        if (gpu_probe(NULL, 0) != GPU_OK) {                                                         \
            gpu_report("chapter 13's kernels need an NVIDIA GPU; see chapters/13_cuda/README-gpu.md", \
                       "%s: %s", op, gpu_no_gpu_reason());                                          \
            return GPU_ERR_NO_GPU;                                                                  \
        }                                                                                           \
    } while (0)

/* Shared by the kernels. */
#define FULL_WARP 0xffffffffu

#endif
