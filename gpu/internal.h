/* internal.h — what the files of gpu/ share and its callers do not see.
 *
 * Argument checks live in gpu/host.c (plain C) and run before anything touches the GPU, in both
 * builds: the CUDA one (the .cu files of gpu/) and the no-GPU fallback (gpu/nogpu.c). So a bad size gets the
 * same message on every machine, and the tests can check those messages without a GPU.
 */
#ifndef NN_GPU_INTERNAL_H
#define NN_GPU_INTERNAL_H

#include "gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Like nn_error_at (common/error.h), unless GPU_QUIET is set in the environment. */
void gpu_report_at(const char *file, int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define gpu_report(hint, ...) gpu_report_at(__FILE__, __LINE__, hint, __VA_ARGS__)

/* The checks of each entry point of gpu.h: GPU_OK, or GPU_ERR_ARGS after reporting. */
gpu_status gpu_sgemm_check(int version, int M, int N, int K, const void *A, const void *B, const void *C);
gpu_status gpu_softmax_check(int version, const void *y, const void *x, int rows, int cols);
gpu_status gpu_layernorm_forward_check(const void *y, const void *x, const void *gamma, const void *beta, int rows,
                                       int cols);
gpu_status gpu_layernorm_backward_check(const void *dx, const void *dgamma, const void *dbeta, const void *dy,
                                        const void *x, const void *gamma, const void *mean, const void *rstd,
                                        int rows, int cols);
gpu_status gpu_attention_check(int version, const void *o, const void *q, const void *k, const void *v,
                               int BH, int T, int D);
gpu_status gpu_igemm_check(const void *C, const void *A, const void *Bt, int M, int N, int K);

/* The reason the last gpu_probe gave, for messages. */
const char *gpu_no_gpu_reason(void);

#ifdef __cplusplus
}
#endif

#endif
