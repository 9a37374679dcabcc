/* kernels.h — THE list of kernels: every step of every ladder, in one table.
 *
 * One row per kernel version: its number (the `version` argument of gpu.h), a C identifier, its
 * file under gpu/, the arithmetic it does, and the one idea that step adds over the one before.
 * Everything that enumerates kernels reads this table through the X-macros below: the dispatch
 * in the .cu files of gpu/, the chapter (which prints the ladder), the tests (which check every version at
 * odd sizes) and the benchmark. Adding a kernel is adding a row here and its file; a test checks
 * that the files on disk, the #includes of the dispatching .cu files and this table agree.
 *
 * Plain C, no CUDA: included by cc and by nvcc alike.
 *
 *   X(number, name, file, precision, threads, lesson)
 */
#ifndef NN_GPU_KERNELS_H
#define NN_GPU_KERNELS_H

#define GPU_SGEMM_KERNELS(X)                                                                           \
    X(1, naive, "sgemm/01_naive.cuh", "fp32", 1024,                                                    \
      "one thread per element of C; threadIdx.x walks down a column, so a warp reads A 32 rows apart") \
    X(2, coalesced, "sgemm/02_coalesced.cuh", "fp32", 1024,                                            \
      "neighbouring threads take neighbouring columns: a warp's loads of B and stores of C coalesce")  \
    X(3, smem, "sgemm/03_smem.cuh", "fp32", 1024,                                                      \
      "32x32 tiles of A and B staged in shared memory: each value loaded is used 32 times")            \
    X(4, blocktile1d, "sgemm/04_blocktile_1d.cuh", "fp32", 512,                                        \
      "each thread computes 8 outputs of a column: one shared-memory load of B feeds 8 FMAs")          \
    X(5, blocktile2d, "sgemm/05_blocktile_2d.cuh", "fp32", 256,                                        \
      "each thread computes an 8x8 block of C: 16 shared-memory loads feed 64 FMAs")                   \
    X(6, vectorized, "sgemm/06_vectorized.cuh", "fp32", 256,                                           \
      "16-byte loads and stores (float4); A transposed in shared memory so its reads vectorize too")   \
    X(7, warptile, "sgemm/07_warptile.cuh", "fp32", 128,                                               \
      "each warp owns a 64x64 sub-tile: loads follow the hardware's warps, fewer shared-memory reads") \
    X(8, tf32_wmma, "sgemm/08_tf32_wmma.cuh", "tf32", 256,                                             \
      "tensor cores through WMMA: 16x16x8 TF32 tiles per mma_sync (several mma; Hopper's full rate needs wgmma)") \
    X(9, async_swizzle, "sgemm/09_async_swizzle.cuh", "fp32", 128,                                     \
      "back to FP32: cp.async double buffering, and a swizzled tile of A with no bank conflicts")

#define GPU_SOFTMAX_KERNELS(X)                                                                         \
    X(1, naive, "softmax/01_naive.cuh", "fp32", 128,                                                   \
      "one thread per row, three passes over it: the maximum, the sum of exponentials, the output")    \
    X(2, online, "softmax/02_online.cuh", "fp32", 0,                                                   \
      "one block per row; maximum and sum in one pass (online softmax), merged with warp shuffles")

#define GPU_LAYERNORM_KERNELS(X)                                                                       \
    X(1, forward, "layernorm/forward.cuh", "fp32", 0,                                                  \
      "one block per row; mean and variance in one pass (Welford), merged with warp shuffles")         \
    X(2, backward, "layernorm/backward.cuh", "fp32", 0,                                                \
      "dx one block per row (two block sums); dgamma, dbeta column sums over row chunks")

#define GPU_ATTENTION_KERNELS(X)                                                                       \
    X(1, unfused, "attention/01_unfused.cuh", "fp32", 1024,                                            \
      "three kernels: S = QK^T/sqrt(D) to memory, softmax in place, O = PV: T^2 floats per head")      \
    X(2, fused, "attention/02_fused.cuh", "fp32", 64,                                                  \
      "one kernel, key tiles in shared memory, online softmax rescaling the running output")

#define GPU_INT8_KERNELS(X)                                                                            \
    X(1, dp4a, "int8/dp4a.cuh", "int8", 256,                                                           \
      "int8 GEMM: __dp4a multiplies four int8 pairs and adds them into an int32 in one instruction")

/* How many versions each operation has. */
#define GPU_COUNT_ONE(num, name, file, prec, threads, lesson) +1
enum {
    GPU_SGEMM_COUNT = 0 GPU_SGEMM_KERNELS(GPU_COUNT_ONE),
    GPU_SOFTMAX_COUNT = 0 GPU_SOFTMAX_KERNELS(GPU_COUNT_ONE),
    GPU_LAYERNORM_COUNT = 0 GPU_LAYERNORM_KERNELS(GPU_COUNT_ONE),
    GPU_ATTENTION_COUNT = 0 GPU_ATTENTION_KERNELS(GPU_COUNT_ONE),
    GPU_INT8_COUNT = 0 GPU_INT8_KERNELS(GPU_COUNT_ONE),
};

/* Threads per block of each SGEMM step, for the launch code's static_asserts. */
#define GPU_SGEMM_THREADS_ONE(num, name, file, prec, threads, lesson) GPU_SGEMM_THREADS_##name = threads,
enum { GPU_SGEMM_KERNELS(GPU_SGEMM_THREADS_ONE) };

/* The table as data, for code that loops over it (chapter, tests, bench). */
typedef struct {
    int number;
    const char *name, *file, *precision;
    int threads;
    const char *lesson;
} gpu_kernel_row;

#define GPU_KERNEL_ROW(num, name, file, prec, threads, lesson) {num, #name, file, prec, threads, lesson},
static const gpu_kernel_row GPU_SGEMM_TABLE[] = {GPU_SGEMM_KERNELS(GPU_KERNEL_ROW)};
static const gpu_kernel_row GPU_SOFTMAX_TABLE[] = {GPU_SOFTMAX_KERNELS(GPU_KERNEL_ROW)};
static const gpu_kernel_row GPU_LAYERNORM_TABLE[] = {GPU_LAYERNORM_KERNELS(GPU_KERNEL_ROW)};
static const gpu_kernel_row GPU_ATTENTION_TABLE[] = {GPU_ATTENTION_KERNELS(GPU_KERNEL_ROW)};
static const gpu_kernel_row GPU_INT8_TABLE[] = {GPU_INT8_KERNELS(GPU_KERNEL_ROW)};

#endif
