/* gpu.h — the CUDA library's host API, callable from C (chapter 13).
 *
 * What it is: every kernel of chapter 13 (the SGEMM ladder, softmax, layer norm, attention, the
 * int8 GEMM) behind plain C functions, plus the few runtime services they need (device memory,
 * copies, timing). What it leaves out: streams, multiple GPUs, half precision storage.
 *
 * Two builds, one header. With nvcc (make gpu), the functions launch the kernels of the .cu files of gpu/.
 * Without nvcc, gpu/nogpu.c implements the same functions: each returns GPU_ERR_NO_GPU with a
 * message saying so, so the chapter and its tests compile and run on any machine.
 *
 * Conventions. Matrices are row-major float32 (int8/int32 for the int8 GEMM). The device-level
 * functions take device pointers (from gpu_malloc) and return a gpu_status; they are
 * asynchronous, like CUDA launches: gpu_synchronize or a download waits for them. The host-level
 * functions (gpu_*_host) take host tensors, copy to the device, run, copy back and synchronize:
 * convenient for tests and small examples, far too slow inside a loop.
 *
 * Errors. Every function checks its arguments first, on the CPU, so bad sizes are reported the
 * same way with or without a GPU: a paragraph on stderr in the course's format (file:line, what,
 * expected vs got, hint; see common/error.h), and GPU_ERR_ARGS. Every CUDA call is checked: a
 * failure is reported with the file:line of the call, the call itself and CUDA's error string,
 * and returned as GPU_ERR_MEMORY (allocation) or GPU_ERR_CUDA. Nothing here exits the program:
 * the caller decides (the chapter falls back to the CPU, a test fails). Set GPU_QUIET=1 in the
 * environment to silence the paragraphs (the status is still returned).
 */
#ifndef NN_GPU_H
#define NN_GPU_H

#include "tensor.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GPU_OK = 0,
    GPU_ERR_NO_GPU = 1, /* built without nvcc, or no CUDA driver/device on this machine */
    GPU_ERR_ARGS = 2,   /* sizes or arguments the function cannot take (reported, with a hint) */
    GPU_ERR_MEMORY = 3, /* the device (or the host) could not allocate what was needed */
    GPU_ERR_CUDA = 4,   /* any other CUDA error: a failed launch, a kernel that crashed */
} gpu_status;

/* "ok", "no GPU", "bad arguments", "out of memory", "CUDA error". */
const char *gpu_status_str(gpu_status s);

/* 1 when this library was built by nvcc, 0 for the no-GPU fallback. */
int gpu_built_with_cuda(void);

/* GPU_OK when a CUDA GPU is usable. Otherwise GPU_ERR_NO_GPU and one line in why[0..n) saying
 * why (no nvcc at build time, no driver, no device). Prints nothing; cheap after the first call. */
gpu_status gpu_probe(char *why, size_t n);

/* The device's properties that the chapter's arithmetic needs. */
typedef struct {
    char name[256];
    int cc_major, cc_minor;      /* compute capability, 9.0 for the H100/H200 */
    int sms;                     /* streaming multiprocessors */
    int max_threads_per_sm;      /* 2048 on sm_90 */
    int max_blocks_per_sm;       /* 32 on sm_90 */
    int regs_per_sm;             /* 65536 */
    size_t smem_per_sm;          /* shared memory per SM, bytes */
    size_t smem_per_block_optin; /* the most one block can have after opting in */
    size_t global_mem;           /* bytes */
    size_t l2_bytes;
    double clock_ghz;            /* SM clock, as the driver reports it */
} gpu_info;

gpu_status gpu_get_info(gpu_info *info);

/* --- memory --------------------------------------------------------------------------------- */

/* Device allocation of `bytes` (> 0). On failure: the size asked for, the free and total device
 * memory, and GPU_ERR_MEMORY. */
gpu_status gpu_malloc(void **ptr, size_t bytes);
void gpu_free(void *ptr); /* NULL is fine */
gpu_status gpu_upload(void *dst_device, const void *src_host, size_t bytes);
gpu_status gpu_download(void *dst_host, const void *src_device, size_t bytes);
gpu_status gpu_copy(void *dst_device, const void *src_device, size_t bytes); /* device to device */
gpu_status gpu_memset(void *dst_device, int byte, size_t bytes);
gpu_status gpu_synchronize(void);

/* --- timing ------------------------------------------------------------------------------- */

/* Runs fn(arg) `warmup` times, then `reps` times between two CUDA events, and stores the mean
 * milliseconds per call in *ms. fn launches work and returns its status (a failure stops). */
gpu_status gpu_time(gpu_status (*fn)(void *), void *arg, int warmup, int reps, double *ms);

/* --- the kernels (device pointers) ------------------------------------------------------------ */

/* C = alpha A B + beta C with kernel `version` of the SGEMM ladder (1..GPU_SGEMM_COUNT, see
 * kernels.h). A (M, K), B (K, N), C (M, N), row-major. beta == 0 means C is not read (it may
 * hold garbage). Sizes >= 1 and each matrix at most 2^31 - 1 elements (the kernels index with
 * int). Version 8 rounds A and B to TF32 (10-bit mantissa) inside the tensor cores. */
gpu_status gpu_sgemm(int version, int M, int N, int K, float alpha, const float *A, const float *B,
                     float beta, float *C);

/* What the CUDA runtime says about SGEMM step `version` on this GPU: resident blocks per SM
 * (cudaOccupancyMaxActiveBlocksPerMultiprocessor, at the step's threads per block from kernels.h),
 * registers per thread and static shared memory per block (cudaFuncGetAttributes). */
gpu_status gpu_sgemm_occupancy(int version, int *blocks_per_sm, int *regs, int *smem_bytes);

/* y = softmax(x) along each row, with kernel `version` (1..GPU_SOFTMAX_COUNT).
 * x, y: (rows, cols); y may equal x. A row of -inf only gives NaN, as in PyTorch. */
gpu_status gpu_softmax_forward(int version, float *y, const float *x, int rows, int cols);

/* Layer norm over the last dimension: y = (x - mean) * rstd * gamma + beta, with
 * rstd = 1 / sqrt(var + eps), var the biased variance. x, y: (rows, cols); gamma, beta: (cols);
 * mean, rstd: (rows), saved for the backward pass (either may be NULL if not needed). */
gpu_status gpu_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                                 const float *beta, int rows, int cols, float eps);

/* Its backward pass. dy, x, dx: (rows, cols); gamma, dgamma, dbeta: (cols); mean, rstd: (rows)
 * from the forward pass. dx, dgamma and dbeta are overwritten (not accumulated into). */
gpu_status gpu_layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                  const float *gamma, const float *mean, const float *rstd, int rows,
                                  int cols);

/* Scaled dot-product attention, O = softmax(Q K^T / sqrt(D) [+ causal mask]) V, for BH
 * independent (batch, head) pairs. q, k, v, o: (BH, T, D).
 * Version 1 (unfused): three kernels, scores S = Q K^T / sqrt(D) written to `scratch`, softmax
 * in place, then O = P V; scratch holds BH*T*T floats (gpu_attention_scratch_floats), or is NULL
 * and is then allocated and freed inside the call. Any D >= 1.
 * Version 2 (fused, flash-attention style): one kernel, S never leaves the chip; D must be 16, 32
 * or 64; scratch is not used. */
gpu_status gpu_attention_forward(int version, float *o, const float *q, const float *k, const float *v,
                                 int BH, int T, int D, int causal, float *scratch);
size_t gpu_attention_scratch_floats(int BH, int T);

/* Integer GEMM with dp4a: C (M, N) int32 = A (M, K) int8 times Bt (N, K) int8, transposed (the
 * layout of a linear layer's weights (out, in): both operands walk K contiguously).
 * K <= 131071 so that no int32 sum can overflow (|a b| <= 128 * 128 = 2^14 per product, and
 * 2^17 such products reach 2^31 > INT32_MAX). */
gpu_status gpu_igemm(int32_t *C, const int8_t *A, const int8_t *Bt, int M, int N, int K);

/* The kernels of exercises 13.10 to 13.15 (chapters/13_cuda/ex_kernels.cuh, compiled from the
 * edition being built), on device pointers, launched as the simulator launches them in 13_cuda.c:
 * y = a x + y (n); out[b] = sum of block b's 256 elements; C = A B with the tiled (version 1) or
 * register-tiled (version 2) kernel; the row softmax of x (rows, cols), one warp per row; attention
 * without mask, q, k, v, o (BH, T, 16). */
gpu_status gpu_ex_saxpy(float *y, const float *x, float a, int n);
gpu_status gpu_ex_block_sum(float *out, const float *x, int n);
gpu_status gpu_ex_sgemm(int version, float *C, const float *A, const float *B, int M, int N, int K);
gpu_status gpu_ex_softmax(float *y, const float *x, int rows, int cols);
gpu_status gpu_ex_attention(float *o, const float *q, const float *k, const float *v, int BH, int T);

/* --- host-level convenience: host tensors in, host tensors out ------------------------------- */

/* C = A B (alpha 1, beta 0) with SGEMM `version`. A (M, K), B (K, N), C (M, N): shapes checked. */
gpu_status gpu_matmul_host(int version, tensor_t C, tensor_t A, tensor_t B);
/* y = softmax(x) by rows. x, y: (rows, cols), same shape. */
gpu_status gpu_softmax_host(int version, tensor_t y, tensor_t x);
/* Layer norm forward. x, y: (rows, cols); gamma, beta: (cols); mean, rstd: (rows) or NULL data. */
gpu_status gpu_layernorm_host(tensor_t y, tensor_t mean, tensor_t rstd, tensor_t x, tensor_t gamma, tensor_t beta,
                              float eps);
/* Attention. q, k, v, o: (BH, T, D). */
gpu_status gpu_attention_host(int version, tensor_t o, tensor_t q, tensor_t k, tensor_t v, int causal);

/* --- argument checks (shared by both builds; exposed for the tests) --------------------------- */

/* Each reports a paragraph naming `op` and returns GPU_ERR_ARGS, or returns GPU_OK. */
gpu_status gpu_check_size(const char *op, const char *name, long long value, long long lo, long long hi);
gpu_status gpu_check_elements(const char *op, const char *name, long long rows, long long cols);

#ifdef __cplusplus
}
#endif

#endif
