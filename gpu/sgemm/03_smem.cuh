/* 03_smem.cuh — SGEMM step 3: shared-memory tiling.
 *
 * A block computes a TILE x TILE tile of C. It walks along K in tile_count(K, TILE) steps
 * (exercise 13.2); at each step its threads copy a TILE x TILE tile of A and one of B into
 * shared memory (one element each, coalesced), wait at a barrier, and then every thread does
 * TILE FMAs reading only shared memory. Each element loaded from global memory is used TILE times,
 * so global traffic drops by that factor. Tiles that stick out of the matrices are padded with
 * zeros at load time, so the inner loop has no bounds checks.
 *
 * Shared-memory banks: in the inner loop a warp (fixed ty, tx = 0..31) reads As[ty][k], one
 * address (a broadcast), and Bs[k][tx], 32 consecutive words in 32 different banks: no conflict.
 * Limitation: each FMA still needs two shared-memory loads, and shared memory is not much
 * faster than the FMA units are hungry: the kernel is bound by shared-memory bandwidth.
 */

template <int TILE>
__global__ void __launch_bounds__(TILE *TILE) sgemm_smem_kernel(int M, int N, int K, float alpha, const float *A,
                                                               const float *B, float beta, float *C)
{
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE];
    const int ty = threadIdx.x / TILE, tx = threadIdx.x % TILE;
    int row, col;
    coalesced_index(TILE, blockIdx.y, blockIdx.x, threadIdx.x, &row, &col);
    float acc = 0.0f;
    const int tiles = tile_count(K, TILE);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * TILE;
        As[ty][tx] = (row < M && k0 + tx < K) ? A[row * K + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < K && col < N) ? B[(k0 + ty) * N + col] : 0.0f;
        __syncthreads(); /* the tiles are complete before anyone reads them */
#pragma unroll
        for (int k = 0; k < TILE; k++)
            acc += As[ty][k] * Bs[k][tx];
        __syncthreads(); /* everyone is done with them before they are overwritten */
    }
    if (row < M && col < N)
        C[row * N + col] = gemm_epilogue(acc, alpha, beta, &C[row * N + col]);
}

static constexpr auto sgemm_smem_instance = &sgemm_smem_kernel<32>;

static gpu_status sgemm_launch_smem(int M, int N, int K, float alpha, const float *A, const float *B, float beta,
                                    float *C)
{
    static_assert(32 * 32 == GPU_SGEMM_THREADS_smem, "kernels.h lists the threads per block");
    dim3 grid(tile_count(N, 32), tile_count(M, 32));
    sgemm_smem_instance<<<grid, 32 * 32>>>(M, N, K, alpha, A, B, beta, C);
    CUDA_CHECK_LAUNCH("sgemm_smem_kernel");
    return GPU_OK;
}
