/* int8.cu — the int8 GEMM (gpu/int8/), see gpu.h. */
#include "cuda_check.cuh"
#include "kernels.h"

#include <stdint.h>

#include "int8/dp4a.cuh"

extern "C" gpu_status gpu_igemm(int32_t *C, const int8_t *A, const int8_t *Bt, int M, int N, int K)
{
    gpu_status s = gpu_igemm_check(C, A, Bt, M, N, K);
    if (s != GPU_OK)
        return s;
    REQUIRE_GPU("gpu_igemm");
    return igemm_launch_dp4a(C, A, Bt, M, N, K); /* the one row of GPU_INT8_KERNELS in kernels.h */
}
