/* 04_blocktile_1d.cuh — SGEMM step 4: 1-D register blocking.
 *
 * Step 3 does one FMA per two shared-memory loads. Here each thread computes TM = 8 outputs of
 * one column of C: at each k it loads B[k][col] once into a register and uses it for 8 FMAs
 * with A[row .. row+7][k]. A block of BM x BN = 64 x 64 outputs has 512 threads; it walks K in
 * steps of BK = 8, loading a 64 x 8 tile of A and an 8 x 64 tile of B (one element per thread).
 * Shared-memory loads per FMA: (8 + 1) / 8 instead of 2. The accumulators live in registers.
 *
 * Banks: a warp's threads share trow (they are 32 consecutive threads of a 64-wide row of
 * threads), so their reads of As are one address (broadcast) and of Bs 32 consecutive words.
 * Limitation: the A values are still re-read from shared memory for every column.
 */

template <int BM, int BN, int BK, int TM>
__global__ void __launch_bounds__((BM * BN) / TM) sgemm_blocktile1d_kernel(int M, int N, int K, float alpha,
                                                                          const float *A, const float *B,
                                                                          float beta, float *C)
{
    __shared__ float As[BM * BK];
    __shared__ float Bs[BK * BN];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int tcol = threadIdx.x % BN, trow = threadIdx.x / BN; /* this thread: rows trow*TM .. +TM-1 */
    const int a_row = threadIdx.x / BK, a_col = threadIdx.x % BK; /* the element of A it loads */
    const int b_row = threadIdx.x / BN, b_col = threadIdx.x % BN; /* the element of B it loads */
    float acc[TM] = {0.0f};
    const int tiles = tile_count(K, BK);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * BK;
        As[a_row * BK + a_col] = (r0 + a_row < M && k0 + a_col < K) ? A[(r0 + a_row) * K + k0 + a_col] : 0.0f;
        Bs[b_row * BN + b_col] = (k0 + b_row < K && c0 + b_col < N) ? B[(k0 + b_row) * N + c0 + b_col] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
            const float b = Bs[k * BN + tcol];
#pragma unroll
            for (int i = 0; i < TM; i++)
                acc[i] += As[(trow * TM + i) * BK + k] * b;
        }
        __syncthreads();
    }
    const int col = c0 + tcol;
#pragma unroll
    for (int i = 0; i < TM; i++) {
        const int row = r0 + trow * TM + i;
        if (row < M && col < N)
            C[row * N + col] = gemm_epilogue(acc[i], alpha, beta, &C[row * N + col]);
    }
}

namespace blocktile1d {
constexpr int BM = 64, BN = 64, BK = 8, TM = 8;
}
static constexpr auto sgemm_blocktile1d_instance =
    &sgemm_blocktile1d_kernel<blocktile1d::BM, blocktile1d::BN, blocktile1d::BK, blocktile1d::TM>;

static gpu_status sgemm_launch_blocktile1d(int M, int N, int K, float alpha, const float *A, const float *B,
                                           float beta, float *C)
{
    using namespace blocktile1d;
    static_assert(BM * BK == (BM * BN) / TM && BN * BK == (BM * BN) / TM, "one element of each tile per thread");
    static_assert((BM * BN) / TM == GPU_SGEMM_THREADS_blocktile1d, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_blocktile1d_instance<<<grid, (BM * BN) / TM>>>(M, N, K, alpha, A, B, beta, C);
    CUDA_CHECK_LAUNCH("sgemm_blocktile1d_kernel");
    return GPU_OK;
}
