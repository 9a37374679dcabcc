/* attention.cu — scaled dot-product attention, unfused and fused (gpu/attention/), dispatched
 * through the table of gpu/kernels.h; see gpu.h. */
#include "cuda_check.cuh"
#include "kernels.h"

#include <stdint.h>

#include "attention/01_unfused.cuh"
#include "attention/02_fused.cuh"

extern "C" gpu_status gpu_attention_forward(int version, float *o, const float *q, const float *k, const float *v,
                                            int BH, int T, int D, int causal, float *scratch)
{
    gpu_status s = gpu_attention_check(version, o, q, k, v, BH, T, D);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_attention_forward");
    switch (version) {
#define DISPATCH(num, name, file, prec, threads, lesson)                                                     \
    case num:                                                                                       \
        return attention_launch_##name(o, q, k, v, BH, T, D, causal, scratch);
        GPU_ATTENTION_KERNELS(DISPATCH)
#undef DISPATCH
    }
    return GPU_ERR_ARGS;
}
