/* softmax.cu — row softmax: includes the steps (gpu/softmax/NN_name.cuh) and dispatches
 * gpu_softmax_forward(version, ...) through the table of gpu/kernels.h. */
#include "cuda_check.cuh"
#include "kernels.h"
#include "reduce.cuh"

#include <stdint.h>

#include "softmax/01_naive.cuh"
#include "softmax/02_online.cuh"

extern "C" gpu_status gpu_softmax_forward(int version, float *y, const float *x, int rows, int cols)
{
    gpu_status s = gpu_softmax_check(version, y, x, rows, cols);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_softmax_forward");
    switch (version) {
#define DISPATCH(num, name, file, prec, threads, lesson)                                                     \
    case num:                                                                                       \
        return softmax_launch_##name(y, x, rows, cols);
        GPU_SOFTMAX_KERNELS(DISPATCH)
#undef DISPATCH
    }
    return GPU_ERR_ARGS;
}
