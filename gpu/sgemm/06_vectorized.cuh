/* 06_vectorized.cuh — SGEMM step 6: vectorized (16-byte) memory accesses.
 *
 * The tiles and the 8 x 8 outer products of step 5, with every memory access made 16 bytes wide:
 * float4 loads of A and B from global memory, float4 reads of the register operands from shared
 * memory, float4 stores of C. Fewer, wider instructions: the load/store units issue a quarter as
 * many requests for the same bytes.
 *
 * For A that needs a trick. A thread reads four consecutive elements of a row of A (four k's),
 * but the inner loop wants, for one k, eight consecutive *rows*. So the tile of A is stored
 * transposed in shared memory, As[k][m]: the four loaded values go to four rows of As, and the
 * inner loop then reads regM[0..7] as two float4 from one row of As.
 *
 * Odd sizes: a 16-byte load needs 16-byte alignment, so it is used only where the row length is
 * a multiple of 4 and the whole vector lies inside the matrix; elsewhere load4/store4
 * (tile_io.cuh) fall back to single floats. Limitation: the layout of threads ignores warps;
 * each thread still reads its 16 operands from shared memory at every k.
 */

template <int BM, int BN, int BK, int TM, int TN>
__global__ void __launch_bounds__((BM * BN) / (TM * TN))
    sgemm_vectorized_kernel(int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C,
                            bool vecA, bool vecB, bool vecC)
{
    constexpr int THREADS = (BM * BN) / (TM * TN);
    static_assert(BM * BK == 4 * THREADS && BN * BK == 4 * THREADS, "one float4 of each tile per thread");
    __shared__ __align__(16) float As[BK * BM]; /* transposed: As[k * BM + m] */
    __shared__ __align__(16) float Bs[BK * BN];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int tcol = threadIdx.x % (BN / TN), trow = threadIdx.x / (BN / TN);
    const int a_row = threadIdx.x / (BK / 4), a_c4 = (threadIdx.x % (BK / 4)) * 4;
    const int b_row = threadIdx.x / (BN / 4), b_c4 = (threadIdx.x % (BN / 4)) * 4;
    float acc[TM][TN] = {{0.0f}};
    float regM[TM], regN[TN];
    const int tiles = tile_count(K, BK);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * BK;
        const float4 a = load4(A, r0 + a_row, k0 + a_c4, M, K, K, vecA);
        As[(a_c4 + 0) * BM + a_row] = a.x;
        As[(a_c4 + 1) * BM + a_row] = a.y;
        As[(a_c4 + 2) * BM + a_row] = a.z;
        As[(a_c4 + 3) * BM + a_row] = a.w;
        *reinterpret_cast<float4 *>(&Bs[b_row * BN + b_c4]) = load4(B, k0 + b_row, c0 + b_c4, K, N, N, vecB);
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
#pragma unroll
            for (int i = 0; i < TM; i += 4) {
                const float4 v = *reinterpret_cast<const float4 *>(&As[k * BM + trow * TM + i]);
                regM[i] = v.x, regM[i + 1] = v.y, regM[i + 2] = v.z, regM[i + 3] = v.w;
            }
#pragma unroll
            for (int j = 0; j < TN; j += 4) {
                const float4 v = *reinterpret_cast<const float4 *>(&Bs[k * BN + tcol * TN + j]);
                regN[j] = v.x, regN[j + 1] = v.y, regN[j + 2] = v.z, regN[j + 3] = v.w;
            }
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
        for (int j = 0; j < TN; j += 4)
            store4(C, r0 + trow * TM + i, c0 + tcol * TN + j, M, N, N, vecC,
                   make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]), alpha, beta);
}

namespace vectorized {
constexpr int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
}
static constexpr auto sgemm_vectorized_instance = &sgemm_vectorized_kernel<vectorized::BM, vectorized::BN,
                                                                            vectorized::BK, vectorized::TM,
                                                                            vectorized::TN>;

static gpu_status sgemm_launch_vectorized(int M, int N, int K, float alpha, const float *A, const float *B,
                                          float beta, float *C)
{
    using namespace vectorized;
    static_assert((BM * BN) / (TM * TN) == GPU_SGEMM_THREADS_vectorized, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_vectorized_instance<<<grid, (BM * BN) / (TM * TN)>>>(
        M, N, K, alpha, A, B, beta, C, vec4_ok(A, K), vec4_ok(B, N), vec4_ok(C, N));
    CUDA_CHECK_LAUNCH("sgemm_vectorized_kernel");
    return GPU_OK;
}
