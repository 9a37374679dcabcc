/* 02_coalesced.cuh — SGEMM step 2: global-memory coalescing.
 *
 * Same arithmetic as step 1; only the mapping from thread to element of C changes (exercise
 * 13.1, coalesced_index). A block of 32 * 32 threads numbered tid = 0..1023 covers a 32 x 32
 * tile of C, and consecutive tids take consecutive columns of one row. A warp (32 consecutive
 * tids) now reads one element of A (a broadcast) and 32 neighbouring elements of B, one 128-byte
 * transaction, and stores 32 neighbouring elements of C. Limitation: still two global loads per
 * FMA; the data a block needs is re-read from L2 by every one of its threads.
 */

template <int TILE>
__global__ void __launch_bounds__(TILE *TILE) sgemm_coalesced_kernel(int M, int N, int K, float alpha,
                                                                    const float *A, const float *B, float beta,
                                                                    float *C)
{
    int row, col;
    coalesced_index(TILE, blockIdx.y, blockIdx.x, threadIdx.x, &row, &col);
    if (row < M && col < N) {
        float acc = 0.0f;
        for (int k = 0; k < K; k++)
            acc += A[row * K + k] * B[k * N + col];
        C[row * N + col] = gemm_epilogue(acc, alpha, beta, &C[row * N + col]);
    }
}

static constexpr auto sgemm_coalesced_instance = &sgemm_coalesced_kernel<32>;

static gpu_status sgemm_launch_coalesced(int M, int N, int K, float alpha, const float *A, const float *B,
                                         float beta, float *C)
{
    static_assert(32 * 32 == GPU_SGEMM_THREADS_coalesced, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, 32), tile_count(M, 32)); /* x: block column, y: block row */
    sgemm_coalesced_instance<<<grid, 32 * 32>>>(M, N, K, alpha, A, B, beta, C);
    CUDA_CHECK_LAUNCH("sgemm_coalesced_kernel");
    return GPU_OK;
}
