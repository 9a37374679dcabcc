/* layernorm.cu — layer norm forward and backward (gpu/layernorm/), see gpu.h. */
#include "cuda_check.cuh"
#include "kernels.h"
#include "reduce.cuh"

#include <stdint.h>

#include "layernorm/forward.cuh"
#include "layernorm/backward.cuh"

extern "C" gpu_status gpu_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                                            const float *beta, int rows, int cols, float eps)
{
    gpu_status s = gpu_layernorm_forward_check(y, x, gamma, beta, rows, cols);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_layernorm_forward");
    return layernorm_launch_forward(y, mean, rstd, x, gamma, beta, rows, cols, eps);
}

extern "C" gpu_status gpu_layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                             const float *gamma, const float *mean, const float *rstd, int rows,
                                             int cols)
{
    gpu_status s = gpu_layernorm_backward_check(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_layernorm_backward");
    return layernorm_launch_backward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, rows, cols);
}
