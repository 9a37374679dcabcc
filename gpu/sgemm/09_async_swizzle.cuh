/* 09_async_swizzle.cuh — SGEMM step 9: back to FP32, with the loads overlapped and the shared-memory
 * bank conflicts of steps 6-7 removed.
 *
 * The warp tiles of step 7 (128 x 128 block tile, four 64 x 64 warp tiles, 8 x 4 outputs per thread
 * per sub-tile, four sub-tiles side by side) with two changes.
 *
 * 1. Double buffering with cp.async (compute capability 8.0 and later). In step 7 every thread
 *    loads the next tile into registers, stores it to shared memory, waits at a barrier, and only
 *    then computes: while the loads are in flight the FMA units of the block have nothing to do,
 *    and with 2 blocks per SM (185 registers per thread) little else hides the latency. Here the
 *    tiles live in two buffers. `cp.async` copies global memory straight into shared memory
 *    without passing through registers and without making the thread wait; the copies of tile t+1
 *    are issued into one buffer, then tile t is multiplied out of the other, and
 *    `cp.async.wait_group 1` waits only for the older group (tile t) to have landed. Shared memory
 *    per block doubles, 2 x (16 x 128 + 16 x 128) floats = 32 KB, still under the 48 KB a block
 *    gets without the opt-in attribute.
 *
 * 2. A swizzled layout of the transposed tile of A. Bank of a 4-byte word = (word address) mod 32;
 *    a warp's 16-byte reads are served 128 bytes (8 float4 slots) per pass, so k distinct slots
 *    that share a bank cost k passes.
 *    - Step 7 stores As[k][m] (row length BM = 128 floats, a multiple of 32) from a float4 of four
 *      consecutive k: the 4 threads of a row write words k*128 + m, k = 0, 4, 8, 12, all in bank
 *      m mod 32, and a warp covers only 8 rows m: 32 stores on 8 banks, a 4-way conflict (2-way in
 *      step 6, where BK = 8). Steps 5 and 6 store the same way.
 *    - Step 7 reads regM as two float4 at m = 8 t_row + {0, 4}: the 8 values of t_row in a warp
 *      touch slots 0, 2, 4, ..., 14, which fall pairwise on the same 4 banks: 2 passes for 128
 *      useful bytes, a 2-way conflict.
 *    Here the copy of A is 4-byte cp.async, so each element can go anywhere: thread (lane) copies
 *    k = lane mod 8 of row m = 4 w + lane / 8 (a warp: 4 rows x 8 consecutive k, four 32-byte
 *    sectors of global memory, fully used), and element (k, m) is stored at float4 slot
 *    (m / 4) XOR (k mod 8) of row k. The slot m / 4 is the same for the whole warp, so the 8 values
 *    of k mod 8 reach 8 different slots, times 4 words m mod 4 in each: 32 different banks, no
 *    conflict. A thread's 8 rows of A are split into two groups of 4 rows, 32 rows apart
 *    (m = 4 t_row + {0..3} and 32 + 4 t_row + {0..3}), so one float4 read of a warp covers 8
 *    consecutive slots; the XOR with a constant k mod 8 only permutes them inside their aligned
 *    group of 8: again 32 different banks. Since the XOR acts on whole float4 slots, every read
 *    stays one aligned 16-byte load. The tile of B is copied as it lies (16-byte cp.async, a warp
 *    writes 512 consecutive bytes) and read as in step 7 (4 slots, broadcast to 8 threads each):
 *    neither conflicts.
 *    Net, per tile of 16 k per warp: step 7 spends 4 x 16 store passes of A where 16 suffice, and
 *    2 x 32 read passes of A where 32 suffice.
 *
 * Expected effect, not measured (no GPU has run this file yet): the copies of the next tile hide
 * behind 16 x 128 FMAs per thread, and the shared-memory passes of A drop by the counts above; the
 * target is 85% of cuBLAS at n = 4096 where step 7 was expected near 60-70%.
 *
 * Odd sizes: an element outside the matrix is copied with a source size of 0 bytes, which makes
 * cp.async write zeros; a float4 of B that crosses the edge, or a B whose rows are not 16-byte
 * aligned, is copied as four 4-byte pieces.
 * Limitation: still FP32 FMAs on the CUDA cores; the tensor cores are step 8's subject.
 */

/* cp.async: copy `bytes` (4, or 16 with .cg) from global to shared; only `src_bytes` of them are read
 * (0: the destination is filled with zeros, and src is not read). */
__device__ __forceinline__ void cp_async4(float *dst, const float *src, bool inside)
{
    const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(d), "l"(src), "r"(inside ? 4 : 0));
}
__device__ __forceinline__ void cp_async16(float *dst, const float *src)
{
    const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(d), "l"(src));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

/* Where element (k, m) of the transposed tile of A lives: float4 slot (m / 4) XOR (k mod 8) of row k. */
template <int BM> __device__ __forceinline__ int as_index(int k, int m)
{
    return k * BM + ((((m >> 2) ^ (k & 7))) << 2) + (m & 3);
}

template <int BM, int BN, int BK, int WM, int WN, int WNITER, int TM, int TN, int THREADS>
__global__ void __launch_bounds__(THREADS)
    sgemm_async_swizzle_kernel(int M, int N, int K, float alpha, const float *A, const float *B, float beta,
                               float *C, bool vecB, bool vecC)
{
    constexpr int WMITER = (WM * WN) / (32 * TM * TN * WNITER);
    constexpr int WSUBM = WM / WMITER, WSUBN = WN / WNITER;
    constexpr int TG = TM / 4, GSTRIDE = WSUBM / TG; /* a thread's rows: TG groups of 4, GSTRIDE apart */
    static_assert((BM / WM) * (BN / WN) * 32 == THREADS, "one warp per warp tile");
    static_assert((WSUBM / TM) * (WSUBN / TN) == 32, "a warp's 32 threads cover a sub-tile");
    static_assert(TM % 4 == 0 && TN % 4 == 0 && BM % 32 == 0, "float4 slots; the swizzle permutes groups of 8");
    static_assert(THREADS % 8 == 0 && BK % 8 == 0 && BM % (THREADS / 8) == 0, "A copied 8 k by THREADS/8 rows");
    static_assert((BN * BK) % (4 * THREADS) == 0, "whole float4 passes of B");
    __shared__ __align__(16) float As[2][BK * BM]; /* transposed and swizzled: as_index(k, m) */
    __shared__ __align__(16) float Bs[2][BK * BN];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warp_row = warp / (BN / WN), warp_col = warp % (BN / WN);
    const int t_col = lane % (WSUBN / TN), t_row = lane / (WSUBN / TN);
    const int a_k = threadIdx.x % 8, a_m = threadIdx.x / 8;
    const int b_row = threadIdx.x / (BN / 4), b_c4 = (threadIdx.x % (BN / 4)) * 4;
    constexpr int A_STRIDE = THREADS / 8, B_STRIDE = THREADS / (BN / 4);

    /* Issue (not wait for) the copies of tile t into buffer buf. */
    auto load_tile = [&](int t, int buf) {
        const int k0 = t * BK;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8)
#pragma unroll
            for (int off = 0; off < BM; off += A_STRIDE) {
                const int m = a_m + off, k = a_k + kk, row = r0 + m, col = k0 + k;
                const bool inside = row < M && col < K;
                cp_async4(&As[buf][as_index<BM>(k, m)], inside ? A + (size_t)row * K + col : A, inside);
            }
#pragma unroll
        for (int off = 0; off < BK; off += B_STRIDE) {
            const int row = k0 + b_row + off, col = c0 + b_c4;
            float *dst = &Bs[buf][(b_row + off) * BN + b_c4];
            if (vecB && row < K && col + 3 < N) {
                cp_async16(dst, B + (size_t)row * N + col);
            } else {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const bool inside = row < K && col + j < N;
                    cp_async4(dst + j, inside ? B + (size_t)row * N + col + j : B, inside);
                }
            }
        }
    };

    float acc[WMITER * TM][WNITER * TN] = {{0.0f}};
    float regM[WMITER * TM], regN[WNITER * TN];
    const int tiles = tile_count(K, BK);
    load_tile(0, 0);
    cp_async_commit();
    for (int t = 0; t < tiles; t++) {
        const int buf = t & 1;
        if (t + 1 < tiles)
            load_tile(t + 1, buf ^ 1); /* the buffer that iteration t-1 finished reading */
        cp_async_commit();             /* possibly empty: keeps "all groups but the newest" = tile t */
        cp_async_wait<1>();            /* this thread's copies of tile t have landed ... */
        __syncthreads();               /* ... and every other thread's too */
#pragma unroll
        for (int k = 0; k < BK; k++) {
#pragma unroll
            for (int wm = 0; wm < WMITER; wm++)
#pragma unroll
                for (int g = 0; g < TG; g++) {
                    const int m = warp_row * WM + wm * WSUBM + g * GSTRIDE + t_row * 4;
                    const float4 v = *reinterpret_cast<const float4 *>(&As[buf][as_index<BM>(k, m)]);
                    regM[wm * TM + g * 4] = v.x, regM[wm * TM + g * 4 + 1] = v.y;
                    regM[wm * TM + g * 4 + 2] = v.z, regM[wm * TM + g * 4 + 3] = v.w;
                }
#pragma unroll
            for (int wn = 0; wn < WNITER; wn++)
#pragma unroll
                for (int j = 0; j < TN; j += 4) {
                    const float4 v = *reinterpret_cast<const float4 *>(
                        &Bs[buf][k * BN + warp_col * WN + wn * WSUBN + t_col * TN + j]);
                    regN[wn * TN + j] = v.x, regN[wn * TN + j + 1] = v.y;
                    regN[wn * TN + j + 2] = v.z, regN[wn * TN + j + 3] = v.w;
                }
#pragma unroll
            for (int i = 0; i < WMITER * TM; i++)
#pragma unroll
                for (int j = 0; j < WNITER * TN; j++)
                    acc[i][j] += regM[i] * regN[j];
        }
        __syncthreads(); /* everyone is done with buf before iteration t+1 copies tile t+2 into it */
    }
#pragma unroll
    for (int wm = 0; wm < WMITER; wm++)
#pragma unroll
        for (int g = 0; g < TG; g++)
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const int row = r0 + warp_row * WM + wm * WSUBM + g * GSTRIDE + t_row * 4 + i;
#pragma unroll
                for (int wn = 0; wn < WNITER; wn++)
#pragma unroll
                    for (int j = 0; j < TN; j += 4) {
                        const int col = c0 + warp_col * WN + wn * WSUBN + t_col * TN + j;
                        const int r = wm * TM + g * 4 + i, c = wn * TN + j;
                        store4(C, row, col, M, N, N, vecC,
                               make_float4(acc[r][c], acc[r][c + 1], acc[r][c + 2], acc[r][c + 3]), alpha, beta);
                    }
            }
}

namespace async_swizzle {
constexpr int BM = 128, BN = 128, BK = 16, WM = 64, WN = 64, WNITER = 4, TM = 8, TN = 4, THREADS = 128;
}
static constexpr auto sgemm_async_swizzle_instance =
    &sgemm_async_swizzle_kernel<async_swizzle::BM, async_swizzle::BN, async_swizzle::BK, async_swizzle::WM,
                                async_swizzle::WN, async_swizzle::WNITER, async_swizzle::TM, async_swizzle::TN,
                                async_swizzle::THREADS>;

static gpu_status sgemm_launch_async_swizzle(int M, int N, int K, float alpha, const float *A, const float *B,
                                             float beta, float *C)
{
    using namespace async_swizzle;
    static_assert(THREADS == GPU_SGEMM_THREADS_async_swizzle, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_async_swizzle_instance<<<grid, THREADS>>>(M, N, K, alpha, A, B, beta, C, vec4_ok(B, N), vec4_ok(C, N));
    CUDA_CHECK_LAUNCH("sgemm_async_swizzle_kernel");
    return GPU_OK;
}
