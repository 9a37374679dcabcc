/* 08_tf32_wmma.cuh — SGEMM step 8: tensor cores, TF32 inputs, through WMMA.
 *
 * A tensor core multiplies small matrices in warp-wide instructions. The WMMA API (mma.h)
 * exposes it as fragments: a warp loads a 16 x 8 piece of A and an 8 x 16 piece of B into
 * opaque fragments (spread over its 32 threads' registers), and mma_sync adds their product to a
 * 16 x 16 FP32 accumulator fragment; the compiler turns one mma_sync into several mma
 * instructions. The inputs are TF32: the FP32 exponent (8 bits) with a
 * 10-bit mantissa, so each input is rounded to about 3 decimal digits (relative error up to
 * 2^-11) while the sums stay FP32. The H100 SXM's published dense TF32 tensor throughput is
 * about 495 TFLOP/s against 67 for FP32 on the CUDA cores.
 *
 * The structure is step 7's: a block computes 128 x 128 of C with 8 warps (2 x 4), each warp a
 * 64 x 32 tile = 4 x 2 accumulator fragments; tiles of A (128 x 32) and B (32 x 128) go through
 * shared memory, rounded to TF32 once as they are stored. Rows of the shared tiles are padded by
 * 4 floats (16 bytes) so that the fragment loads, which read 8 or 16 rows at once, spread over
 * the banks. The epilogue goes through shared memory too: a fragment's layout in registers is
 * unspecified, so each warp stores it to a 16 x 16 scratch tile and its threads then apply
 * alpha, beta and the bounds to known positions.
 *
 * Limitation: no asynchronous copies (cp.async / the Hopper TMA) and no double buffering, and
 * WMMA cannot use Hopper's wgmma instructions, which the tensor cores' full TF32 rate needs: cuBLAS's
 * TF32 path is expected to be several times faster (not measured yet).
 */
#include <mma.h>

template <int BM, int BN, int BK, int WM, int WN>
__global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32)
    sgemm_tf32_wmma_kernel(int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C,
                           bool vecA, bool vecB)
{
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
    using namespace nvcuda;
    constexpr int THREADS = (BM / WM) * (BN / WN) * 32;
    constexpr int FM = WM / 16, FN = WN / 16; /* accumulator fragments per warp */
    constexpr int LDA = BK + 4, LDB = BN + 4; /* padded rows (multiples of 4 floats, as WMMA needs) */
    static_assert((BM * BK) % (4 * THREADS) == 0 && (BK * BN) % (4 * THREADS) == 0, "whole float4 passes");
    __shared__ __align__(128) float As[BM * LDA];
    __shared__ __align__(128) float Bs[BK * LDB];
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wr = warp / (BN / WN), wc = warp % (BN / WN);

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[FM][FN];
#pragma unroll
    for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++)
            wmma::fill_fragment(acc[i][j], 0.0f);

    const int tiles = tile_count(K, BK);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * BK;
#pragma unroll
        for (int p = 0; p < BM * BK / 4 / THREADS; p++) {
            const int idx = threadIdx.x + p * THREADS, r = idx / (BK / 4), c4 = (idx % (BK / 4)) * 4;
            float4 v = load4(A, r0 + r, k0 + c4, M, K, K, vecA);
            v = make_float4(wmma::__float_to_tf32(v.x), wmma::__float_to_tf32(v.y), wmma::__float_to_tf32(v.z),
                            wmma::__float_to_tf32(v.w));
            *reinterpret_cast<float4 *>(&As[r * LDA + c4]) = v;
        }
#pragma unroll
        for (int p = 0; p < BK * BN / 4 / THREADS; p++) {
            const int idx = threadIdx.x + p * THREADS, r = idx / (BN / 4), c4 = (idx % (BN / 4)) * 4;
            float4 v = load4(B, k0 + r, c0 + c4, K, N, N, vecB);
            v = make_float4(wmma::__float_to_tf32(v.x), wmma::__float_to_tf32(v.y), wmma::__float_to_tf32(v.z),
                            wmma::__float_to_tf32(v.w));
            *reinterpret_cast<float4 *>(&Bs[r * LDB + c4]) = v;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[FM];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[FN];
#pragma unroll
            for (int i = 0; i < FM; i++)
                wmma::load_matrix_sync(a[i], &As[(wr * WM + i * 16) * LDA + kk], LDA);
#pragma unroll
            for (int j = 0; j < FN; j++)
                wmma::load_matrix_sync(b[j], &Bs[kk * LDB + wc * WN + j * 16], LDB);
#pragma unroll
            for (int i = 0; i < FM; i++)
#pragma unroll
                for (int j = 0; j < FN; j++)
                    wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }

    /* Epilogue: each warp stages one fragment at a time in its own 16 x 16 piece of As. */
    float *scratch = &As[warp * 16 * 16];
#pragma unroll
    for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++) {
            wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 16 * 16; e += 32) {
                const int row = r0 + wr * WM + i * 16 + e / 16, col = c0 + wc * WN + j * 16 + e % 16;
                if (row < M && col < N)
                    C[row * N + col] = gemm_epilogue(scratch[e], alpha, beta, &C[row * N + col]);
            }
            __syncwarp();
        }
#else
    __trap(); /* tensor-core TF32 needs compute capability 8.0 or newer */
#endif
}

namespace tf32_wmma {
constexpr int BM = 128, BN = 128, BK = 32, WM = 64, WN = 32;
}
static constexpr auto sgemm_tf32_wmma_instance =
    &sgemm_tf32_wmma_kernel<tf32_wmma::BM, tf32_wmma::BN, tf32_wmma::BK, tf32_wmma::WM, tf32_wmma::WN>;

static gpu_status sgemm_launch_tf32_wmma(int M, int N, int K, float alpha, const float *A, const float *B,
                                         float beta, float *C)
{
    using namespace tf32_wmma;
    static_assert(BM * (BK + 4) >= (BM / WM) * (BN / WN) * 256, "the epilogue's scratch fits in As");
    static_assert((BM / WM) * (BN / WN) * 32 == GPU_SGEMM_THREADS_tf32_wmma, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    sgemm_tf32_wmma_instance<<<grid, (BM / WM) * (BN / WN) * 32>>>(M, N, K, alpha, A, B, beta, C,
                                                                                     vec4_ok(A, K), vec4_ok(B, N));
    CUDA_CHECK_LAUNCH("sgemm_tf32_wmma_kernel");
    return GPU_OK;
}
