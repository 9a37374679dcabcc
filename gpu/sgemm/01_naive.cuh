/* 01_naive.cuh — SGEMM step 1: one thread per element of C.
 *
 * The definition, C[r][c] = alpha sum_k A[r][k] B[k][c] + beta C[r][c], with a thread for each
 * (r, c): a 2-D grid of 32 x 32 blocks. The obvious mapping puts threadIdx.x on the row. But the
 * 32 threads of a warp are the ones with consecutive threadIdx.x, so at each k a warp reads
 * A[r][k] for 32 different rows r, addresses K floats apart: 32 separate memory transactions
 * where one would do, and the same for its stores of C. What it reads of B (one element for the
 * whole warp) is a broadcast. Nothing is reused: every FMA costs two loads, which caches absorb
 * only in part. Kept as the oracle of the ladder: short enough to be obviously right.
 */

__global__ void __launch_bounds__(1024) sgemm_naive_kernel(int M, int N, int K, float alpha, const float *A,
                                                           const float *B, float beta, float *C)
{
    const int row = blockIdx.x * blockDim.x + threadIdx.x; /* consecutive threads: consecutive rows */
    const int col = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < M && col < N) {
        float acc = 0.0f;
        for (int k = 0; k < K; k++)
            acc += A[row * K + k] * B[k * N + col];
        C[row * N + col] = gemm_epilogue(acc, alpha, beta, &C[row * N + col]);
    }
}

/* The kernel as launched (the benchmark asks the runtime about its occupancy). */
static constexpr auto sgemm_naive_instance = &sgemm_naive_kernel;

static gpu_status sgemm_launch_naive(int M, int N, int K, float alpha, const float *A, const float *B,
                                     float beta, float *C)
{
    dim3 block(32, 32);
    static_assert(32 * 32 == GPU_SGEMM_THREADS_naive, "kernels.h lists the threads per block");
    dim3 grid(tile_count(M, 32), tile_count(N, 32));
    sgemm_naive_instance<<<grid, block>>>(M, N, K, alpha, A, B, beta, C);
    CUDA_CHECK_LAUNCH("sgemm_naive_kernel");
    return GPU_OK;
}
