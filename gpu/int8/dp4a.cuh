/* dp4a.cuh — int8 GEMM with __dp4a.
 *
 * C (M x N, int32) = A (M x K, int8) Bt^T, with Bt (N x K, int8): both operands run along K in
 * memory, so four consecutive k of a row of A and of a row of Bt are one 32-bit word each.
 * __dp4a(a, b, c) treats a and b as four signed bytes each and returns c + sum of the four
 * products: 4 multiply-adds in one instruction, on data a quarter the size of FP32. This is the
 * arithmetic of chapter 11's quantized layers (there on the CPU).
 *
 * Tiles as in SGEMM step 3, in words: a block computes 64 x 64 of C with 256 threads, walking K
 * 32 bytes (8 words) at a time; each thread computes 4 x 4 outputs spread 16 apart (rows
 * ty + 16i, columns tx + 16j), so that a warp's shared-memory reads are broadcasts or fall in
 * distinct banks (rows padded to 9 words, an odd stride). When K is not a multiple of 4 (or a
 * row is not 4-byte aligned), words are assembled byte by byte, with zeros past the end of K.
 */

/* Bytes k .. k+3 of row `row` of an int8 matrix (rows x K), packed into an int; zeros outside. */
__device__ __forceinline__ int load_i8x4(const int8_t *p, int row, int k, int rows, int K, bool vec)
{
    if (row >= rows)
        return 0;
    const int8_t *r = p + (size_t)row * K;
    if (vec && k + 3 < K)
        return *reinterpret_cast<const int *>(r + k);
    unsigned w = 0;
#pragma unroll
    for (int b = 0; b < 4; b++)
        if (k + b < K)
            w |= (unsigned)(uint8_t)r[k + b] << (8 * b); /* little endian: byte b of the word is k + b */
    return (int)w;
}

template <int BM, int BN, int BKW>
__global__ void __launch_bounds__(256) igemm_dp4a_kernel(int32_t *C, const int8_t *A, const int8_t *Bt, int M,
                                                         int N, int K, bool vecA, bool vecB)
{
    __shared__ int As[BM][BKW + 1]; /* words: As[m][w] holds bytes k0 + 4w .. k0 + 4w + 3 of row m */
    __shared__ int Bs[BN][BKW + 1];
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
    const int r0 = blockIdx.y * BM, c0 = blockIdx.x * BN;
    int acc[4][4] = {{0}};
    const int tiles = tile_count(K, 4 * BKW);
    for (int t = 0; t < tiles; t++) {
        const int k0 = t * 4 * BKW;
        for (int e = threadIdx.x; e < BM * BKW; e += 256) {
            const int r = e / BKW, w = e % BKW;
            As[r][w] = load_i8x4(A, r0 + r, k0 + 4 * w, M, K, vecA);
        }
        for (int e = threadIdx.x; e < BN * BKW; e += 256) {
            const int r = e / BKW, w = e % BKW;
            Bs[r][w] = load_i8x4(Bt, c0 + r, k0 + 4 * w, N, K, vecB);
        }
        __syncthreads();
#pragma unroll
        for (int w = 0; w < BKW; w++)
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
                    acc[i][j] = __dp4a(As[ty + 16 * i][w], Bs[tx + 16 * j][w], acc[i][j]);
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int row = r0 + ty + 16 * i, col = c0 + tx + 16 * j;
            if (row < M && col < N)
                C[(size_t)row * N + col] = acc[i][j];
        }
}

static gpu_status igemm_launch_dp4a(int32_t *C, const int8_t *A, const int8_t *Bt, int M, int N, int K)
{
    constexpr int BM = 64, BN = 64, BKW = 8;
    const bool vecA = K % 4 == 0 && (uintptr_t)A % 4 == 0, vecB = K % 4 == 0 && (uintptr_t)Bt % 4 == 0;
    dim3 grid(tile_count(N, BN), tile_count(M, BM));
    igemm_dp4a_kernel<BM, BN, BKW><<<grid, 256>>>(C, A, Bt, M, N, K, vecA, vecB);
    CUDA_CHECK_LAUNCH("igemm_dp4a_kernel");
    return GPU_OK;
}
