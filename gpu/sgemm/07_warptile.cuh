/* 07_warptile.cuh — SGEMM step 7: warp tiling.
 *
 * A third level of tiling, between the block and the thread: the warp. The block's 128 x 128
 * tile of C is split into four 64 x 64 warp tiles (4 warps, 128 threads), and each warp's tile
 * into sub-tiles that its 32 threads cover together, 8 x 4 outputs per thread per sub-tile,
 * WNITER = 4 sub-tiles side by side: 128 outputs per thread.
 *
 * Why it helps: the threads of one warp execute together, so arranging the work by warp makes
 * their shared-memory reads fall on few distinct addresses (8 threads share each read of As and
 * 4 each of Bs, which the hardware broadcasts), and the operands a thread loads for one sub-tile
 * are reused across the others (regM for the WNITER sub-tiles side by side). It is also the
 * layout the tensor cores of step 8 need, where a warp is the unit that multiplies matrices.
 * BK = 16 halves the number of barriers per FMA compared with step 6.
 *
 * Limitation: FP32 FMAs on the CUDA cores, 2 flops per instruction per thread. The H100's
 * tensor cores do far more per instruction, at reduced input precision: step 8.
 */

template <int BM, int BN, int BK, int WM, int WN, int WNITER, int TM, int TN, int THREADS>
__global__ void __launch_bounds__(THREADS)
    sgemm_warptile_kernel(int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C,
                          bool vecA, bool vecB, bool vecC)
{
    constexpr int WMITER = (WM * WN) / (32 * TM * TN * WNITER); /* sub-tiles down the warp tile */
    constexpr int WSUBM = WM / WMITER, WSUBN = WN / WNITER;      /* one sub-tile: WSUBM x WSUBN */
    static_assert((BM / WM) * (BN / WN) * 32 == THREADS, "one warp per warp tile");
    static_assert((WSUBM / TM) * (WSUBN / TN) == 32, "a warp's 32 threads cover a sub-tile");
    static_assert((BM * BK) % (4 * THREADS) == 0 && (BN * BK) % (4 * THREADS) == 0, "whole float4 passes");
    __shared__ __align__(16) float As[BK * BM]; /* transposed, As[k * BM + m], as in step 6 */
    __shared__ __align__(16) float Bs[BK * BN];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warp_row = warp / (BN / WN), warp_col = warp % (BN / WN);
    const int t_col = lane % (WSUBN / TN), t_row = lane / (WSUBN / TN); /* within a sub-tile */
    const int a_row = threadIdx.x / (BK / 4), a_c4 = (threadIdx.x % (BK / 4)) * 4;
    const int b_row = threadIdx.x / (BN / 4), b_c4 = (threadIdx.x % (BN / 4)) * 4;
    constexpr int A_STRIDE = THREADS / (BK / 4), B_STRIDE = THREADS / (BN / 4);
    float acc[WMITER * TM][WNITER * TN] = {{0.0f}};
    float regM[WMITER * TM], regN[WNITER * TN];
    const int tiles = tile_count(K, BK);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * BK;
#pragma unroll
        for (int off = 0; off < BM; off += A_STRIDE) {
            const float4 a = load4(A, r0 + a_row + off, k0 + a_c4, M, K, K, vecA);
            As[(a_c4 + 0) * BM + a_row + off] = a.x;
            As[(a_c4 + 1) * BM + a_row + off] = a.y;
            As[(a_c4 + 2) * BM + a_row + off] = a.z;
            As[(a_c4 + 3) * BM + a_row + off] = a.w;
        }
#pragma unroll
        for (int off = 0; off < BK; off += B_STRIDE)
            *reinterpret_cast<float4 *>(&Bs[(b_row + off) * BN + b_c4]) =
                load4(B, k0 + b_row + off, c0 + b_c4, K, N, N, vecB);
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BK; k++) {
#pragma unroll
            for (int wm = 0; wm < WMITER; wm++)
#pragma unroll
                for (int i = 0; i < TM; i += 4) {
                    const float4 v = *reinterpret_cast<const float4 *>(
                        &As[k * BM + warp_row * WM + wm * WSUBM + t_row * TM + i]);
                    regM[wm * TM + i] = v.x, regM[wm * TM + i + 1] = v.y;
                    regM[wm * TM + i + 2] = v.z, regM[wm * TM + i + 3] = v.w;
                }
#pragma unroll
            for (int wn = 0; wn < WNITER; wn++)
#pragma unroll
                for (int j = 0; j < TN; j += 4) {
                    const float4 v = *reinterpret_cast<const float4 *>(
                        &Bs[k * BN + warp_col * WN + wn * WSUBN + t_col * TN + j]);
                    regN[wn * TN + j] = v.x, regN[wn * TN + j + 1] = v.y;
                    regN[wn * TN + j + 2] = v.z, regN[wn * TN + j + 3] = v.w;
                }
#pragma unroll
            for (int i = 0; i < WMITER * TM; i++)
#pragma unroll
                for (int j = 0; j < WNITER * TN; j++)
                    acc[i][j] += regM[i] * regN[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int wm = 0; wm < WMITER; wm++)
#pragma unroll
        for (int i = 0; i < TM; i++) {
            const int row = r0 + warp_row * WM + wm * WSUBM + t_row * TM + i;
#pragma unroll
            for (int wn = 0; wn < WNITER; wn++)
#pragma unroll
                for (int j = 0; j < TN; j += 4) {
                    const int col = c0 + warp_col * WN + wn * WSUBN + t_col * TN + j;
                    const int r = wm * TM + i, c = wn * TN + j;
                    store4(C, row, col, M, N, N, vecC,
                           make_float4(acc[r][c], acc[r][c + 1], acc[r][c + 2], acc[r][c + 3]), alpha, beta);
                }
        }
}

namespace warptile {
constexpr int BM = 128, BN = 128, BK = 16, WM = 64, WN = 64, WNITER = 4, TM = 8, TN = 4, THREADS = 128;
}
static constexpr auto sgemm_warptile_instance =
    &sgemm_warptile_kernel<warptile::BM, warptile::BN, warptile::BK, warptile::WM, warptile::WN, warptile::WNITER,
                           warptile::TM, warptile::TN, warptile::THREADS>;

static gpu_status sgemm_launch_warptile(int M, int N, int K, float alpha, const float *A, const float *B,
                                        float beta, float *C)
{
    using namespace warptile;
    static_assert(THREADS == GPU_SGEMM_THREADS_warptile, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_warptile_instance<<<grid, THREADS>>>(
        M, N, K, alpha, A, B, beta, C, vec4_ok(A, K), vec4_ok(B, N), vec4_ok(C, N));
    CUDA_CHECK_LAUNCH("sgemm_warptile_kernel");
    return GPU_OK;
}
