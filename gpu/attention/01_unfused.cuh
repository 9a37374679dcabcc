/* 01_unfused.cuh — attention, step 1: three kernels and the T x T scores in memory.
 *
 * For each of the BH (batch, head) pairs, with q, k, v of shape (T, D):
 *
 *   S = Q K^T / sqrt(D)   (T x T; with a causal mask, S[i][j] = -inf for j > i)
 *   P = softmax(S)        row by row, in place (softmax step 2)
 *   O = P V               (T x D)
 *
 * The two products are tiled like SGEMM step 3 (32 x 32 tiles through shared memory), batched
 * over BH with blockIdx.z. Q K^T reads K by rows, so the tile of K is used transposed: a warp
 * reads Ks[tx][d] for tx = 0..31, addresses one row apart. With 32-float rows they would all be
 * in one bank (a 32-way conflict, 32 times slower); rows padded to 33 floats put them in 32
 * different banks. Limitation: S is written, read, written and read again: 16 T^2 bytes per head,
 * which dominates everything else once T is in the thousands.
 */

template <int TILE>
__global__ void __launch_bounds__(TILE *TILE) attention_scores_kernel(float *S, const float *q, const float *k,
                                                                     int T, int D, float scale, int causal)
{
    __shared__ float Qs[TILE][TILE + 1];
    __shared__ float Ks[TILE][TILE + 1]; /* +1: see the bank-conflict note above */
    const int ty = threadIdx.y, tx = threadIdx.x;
    const int i0 = blockIdx.y * TILE, j0 = blockIdx.x * TILE;
    const size_t base = (size_t)blockIdx.z * T * D;
    float acc = 0.0f;
    const bool masked_tile = causal && j0 > i0 + TILE - 1; /* every j > every i: nothing to compute */
    if (!masked_tile) {
        const int tiles = tile_count(D, TILE);
        for (int t = 0; t < tiles; t++) {
            const int d0 = t * TILE;
            Qs[ty][tx] = (i0 + ty < T && d0 + tx < D) ? q[base + (size_t)(i0 + ty) * D + d0 + tx] : 0.0f;
            Ks[ty][tx] = (j0 + ty < T && d0 + tx < D) ? k[base + (size_t)(j0 + ty) * D + d0 + tx] : 0.0f;
            __syncthreads();
#pragma unroll
            for (int d = 0; d < TILE; d++)
                acc += Qs[ty][d] * Ks[tx][d];
            __syncthreads();
        }
    }
    const int i = i0 + ty, j = j0 + tx;
    if (i < T && j < T)
        S[((size_t)blockIdx.z * T + i) * T + j] = (causal && j > i) ? -INFINITY : acc * scale;
}

template <int TILE>
__global__ void __launch_bounds__(TILE *TILE) attention_pv_kernel(float *o, const float *P, const float *v, int T,
                                                                 int D, int causal)
{
    __shared__ float Ps[TILE][TILE];
    __shared__ float Vs[TILE][TILE];
    const int ty = threadIdx.y, tx = threadIdx.x;
    const int i0 = blockIdx.y * TILE, d0 = blockIdx.x * TILE;
    const size_t pbase = (size_t)blockIdx.z * T * T, vbase = (size_t)blockIdx.z * T * D;
    /* With a causal mask, P[i][j] = 0 for j > i: key tiles past this block's last row add nothing. */
    const int last_row = min(T, i0 + TILE);
    const int tiles = tile_count(causal ? last_row : T, TILE);
    float acc = 0.0f;
    for (int t = 0; t < tiles; t++) {
        const int j0 = t * TILE;
        Ps[ty][tx] = (i0 + ty < T && j0 + tx < T) ? P[pbase + (size_t)(i0 + ty) * T + j0 + tx] : 0.0f;
        Vs[ty][tx] = (j0 + ty < T && d0 + tx < D) ? v[vbase + (size_t)(j0 + ty) * D + d0 + tx] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int j = 0; j < TILE; j++)
            acc += Ps[ty][j] * Vs[j][tx];
        __syncthreads();
    }
    const int i = i0 + ty, d = d0 + tx;
    if (i < T && d < D)
        o[vbase + (size_t)i * D + d] = acc;
}

static gpu_status attention_launch_unfused(float *o, const float *q, const float *k, const float *v, int BH, int T,
                                           int D, int causal, float *scratch)
{
    if (BH > 65535) {
        gpu_report("launch the heads in groups of at most 65535",
                   "gpu_attention_forward: BH = %d: the unfused kernels put BH on the grid's z axis, "
                   "which allows at most 65535", BH);
        return GPU_ERR_ARGS;
    }
    float *S = scratch;
    if (!S) {
        void *p = NULL;
        gpu_status s = gpu_malloc(&p, gpu_attention_scratch_floats(BH, T) * sizeof(float));
        if (s != GPU_OK)
            return s;
        S = (float *)p;
    }
    gpu_status s = GPU_OK;
    const float scale = 1.0f / sqrtf((float)D);
    dim3 block(32, 32);
    attention_scores_kernel<32><<<dim3(tile_count(T, 32), tile_count(T, 32), BH), block>>>(S, q, k, T, D, scale,
                                                                                          causal);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        s = gpu_cuda_failed(__FILE__, __LINE__, "launching attention_scores_kernel", err);
    if (s == GPU_OK)
        s = gpu_softmax_forward(2, S, S, BH * T, T);
    if (s == GPU_OK) {
        attention_pv_kernel<32><<<dim3(tile_count(D, 32), tile_count(T, 32), BH), block>>>(o, S, v, T, D, causal);
        err = cudaGetLastError();
        if (err != cudaSuccess)
            s = gpu_cuda_failed(__FILE__, __LINE__, "launching attention_pv_kernel", err);
    }
    if (!scratch) {
        /* cudaFree waits for the kernels that use S; a kernel's own failure is reported here. */
        err = cudaDeviceSynchronize();
        if (err != cudaSuccess && s == GPU_OK)
            s = gpu_cuda_failed(__FILE__, __LINE__, "cudaDeviceSynchronize() after the attention kernels", err);
        gpu_free(S);
    }
    return s;
}
