/* 05_blocktile_2d.cuh — SGEMM step 5: 2-D register blocking.
 *
 * Each thread now computes a TM x TN = 8 x 8 block of C. At each k it loads 8 values of A's
 * column and 8 of B's row into registers (regM, regN) and does their 64 products: an outer
 * product. Shared-memory loads per FMA: 16 / 64 = 1/4. A block computes 128 x 128 outputs with
 * 256 threads, walking K in steps of BK = 8; each thread loads 4 elements of each tile.
 *
 * Registers: 64 accumulators + 16 operands per thread. The loops over i, j are unrolled, so
 * every array index is a compile-time constant and the arrays stay in registers (an index known
 * only at run time would send them to slow local memory).
 * Limitation: loads of 4 bytes at a time, and As read down a column (stride BK).
 */

template <int BM, int BN, int BK, int TM, int TN>
__global__ void __launch_bounds__((BM * BN) / (TM * TN)) sgemm_blocktile2d_kernel(int M, int N, int K, float alpha,
                                                                                  const float *A, const float *B,
                                                                                  float beta, float *C)
{
    constexpr int THREADS = (BM * BN) / (TM * TN);
    __shared__ float As[BM * BK];
    __shared__ float Bs[BK * BN];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int tcol = threadIdx.x % (BN / TN), trow = threadIdx.x / (BN / TN);
    const int a_row = threadIdx.x / BK, a_col = threadIdx.x % BK;
    const int b_row = threadIdx.x / BN, b_col = threadIdx.x % BN;
    constexpr int A_STRIDE = THREADS / BK, B_STRIDE = THREADS / BN; /* rows loaded per pass */
    float acc[TM][TN] = {{0.0f}};
    float regM[TM], regN[TN];
    const int tiles = tile_count(K, BK);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * BK;
#pragma unroll
        for (int off = 0; off < BM; off += A_STRIDE) {
            const int r = r0 + a_row + off, k = k0 + a_col;
            As[(a_row + off) * BK + a_col] = (r < M && k < K) ? A[r * K + k] : 0.0f;
        }
#pragma unroll
        for (int off = 0; off < BK; off += B_STRIDE) {
            const int k = k0 + b_row + off, c = c0 + b_col;
            Bs[(b_row + off) * BN + b_col] = (k < K && c < N) ? B[k * N + c] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
#pragma unroll
            for (int i = 0; i < TM; i++)
                regM[i] = As[(trow * TM + i) * BK + k];
#pragma unroll
            for (int j = 0; j < TN; j++)
                regN[j] = Bs[k * BN + tcol * TN + j];
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++)
                    acc[i][j] += regM[i] * regN[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) {
            const int row = r0 + trow * TM + i, col = c0 + tcol * TN + j;
            if (row < M && col < N)
                C[row * N + col] = gemm_epilogue(acc[i][j], alpha, beta, &C[row * N + col]);
        }
}

namespace blocktile2d {
constexpr int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
}
static constexpr auto sgemm_blocktile2d_instance = &sgemm_blocktile2d_kernel<blocktile2d::BM, blocktile2d::BN,
                                                                              blocktile2d::BK, blocktile2d::TM,
                                                                              blocktile2d::TN>;

static gpu_status sgemm_launch_blocktile2d(int M, int N, int K, float alpha, const float *A, const float *B,
                                           float beta, float *C)
{
    using namespace blocktile2d;
    static_assert((BM * BN) / (TM * TN) == GPU_SGEMM_THREADS_blocktile2d, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_blocktile2d_instance<<<grid, (BM * BN) / (TM * TN)>>>(M, N, K, alpha, A, B, beta, C);
    CUDA_CHECK_LAUNCH("sgemm_blocktile2d_kernel");
    return GPU_OK;
}
