/* 02_fused.cuh — attention, step 2: one fused kernel (flash-attention style).
 *
 * The T x T scores never touch memory. A block owns BR = 64 query rows of one head, one row per
 * thread: the thread keeps its query q (D floats) and its running output o (D floats) in
 * registers. The block walks the keys in tiles of BC = 32: it loads the tile's K and V rows
 * into shared memory (every thread then reads the same key at the same time: a broadcast, no
 * bank conflict), each thread computes its BC scores, and folds them into its output with the
 * online-softmax recurrence:
 *
 *   m_new = max(m, max_j s_j)          o <- o exp(m - m_new) + sum_j exp(s_j - m_new) v_j
 *                                      l <- l exp(m - m_new) + sum_j exp(s_j - m_new)
 *
 * The rescaling by exp(m - m_new) is exercise 13.9 (attn_rescale). At the end O = o / l. Memory
 * traffic: Q, K, V read (K and V once per block of 64 queries, mostly from L2), O written:
 * nothing grows like T^2. With a causal mask, key tiles entirely after the block's last query
 * are skipped, and keys after a query are given the score -inf (weight 0).
 *
 * Limitation: FP32 on the CUDA cores, one query per thread (so a head of T queries has only T
 * threads of parallelism), D fixed at compile time (16, 32 or 64). FlashAttention-2/3 use the
 * tensor cores in BF16 and split the work across warps differently.
 */

template <int D, int BR, int BC>
__global__ void __launch_bounds__(BR) attention_fused_kernel(float *o, const float *q, const float *k,
                                                             const float *v, int T, float scale, int causal)
{
    __shared__ __align__(16) float Ks[BC][D];
    __shared__ __align__(16) float Vs[BC][D];
    const int row = blockIdx.x * BR + threadIdx.x;
    const size_t base = (size_t)blockIdx.y * T * D;
    float qr[D], out[D];
#pragma unroll
    for (int d = 0; d < D; d += 4) {
        const float4 x = row < T ? *reinterpret_cast<const float4 *>(&q[base + (size_t)row * D + d])
                                 : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        qr[d] = x.x * scale, qr[d + 1] = x.y * scale, qr[d + 2] = x.z * scale, qr[d + 3] = x.w * scale;
        out[d] = out[d + 1] = out[d + 2] = out[d + 3] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const int last_row = min(T - 1, (int)blockIdx.x * BR + BR - 1); /* the block's last real query */
    const int tiles = causal ? last_row / BC + 1 : tile_count(T, BC);
    for (int t = 0; t < tiles; t++) {
        const int j0 = t * BC;
        /* The block loads BC rows of K and of V, 16 bytes per thread per step. */
        for (int e = threadIdx.x; e < BC * D / 4; e += BR) {
            const int j = e / (D / 4), d = (e % (D / 4)) * 4;
            const bool in = j0 + j < T;
            const size_t at = base + (size_t)(j0 + j) * D + d;
            *reinterpret_cast<float4 *>(&Ks[j][d]) =
                in ? *reinterpret_cast<const float4 *>(&k[at]) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            *reinterpret_cast<float4 *>(&Vs[j][d]) =
                in ? *reinterpret_cast<const float4 *>(&v[at]) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
        __syncthreads();
        float s[BC];
        float m_tile = -INFINITY;
#pragma unroll
        for (int j = 0; j < BC; j++) {
            float dot[4] = {0.0f, 0.0f, 0.0f, 0.0f}; /* four chains: independent FMAs in flight */
#pragma unroll
            for (int d = 0; d < D; d += 4) {
                const float4 kk = *reinterpret_cast<const float4 *>(&Ks[j][d]);
                dot[0] += qr[d] * kk.x, dot[1] += qr[d + 1] * kk.y, dot[2] += qr[d + 2] * kk.z, dot[3] += qr[d + 3] * kk.w;
            }
            const int key = j0 + j;
            const bool valid = key < T && (!causal || key <= row);
            s[j] = valid ? (dot[0] + dot[1]) + (dot[2] + dot[3]) : -INFINITY;
            m_tile = fmaxf(m_tile, s[j]);
        }
        attn_rescale(out, D, &l, &m, m_tile);
#pragma unroll
        for (int j = 0; j < BC; j++) {
            const float p = s[j] == -INFINITY ? 0.0f : expf(s[j] - m);
            l += p;
#pragma unroll
            for (int d = 0; d < D; d += 4) {
                const float4 vv = *reinterpret_cast<const float4 *>(&Vs[j][d]);
                out[d] += p * vv.x, out[d + 1] += p * vv.y, out[d + 2] += p * vv.z, out[d + 3] += p * vv.w;
            }
        }
        __syncthreads(); /* before the next tile overwrites Ks, Vs */
    }
    if (row < T) {
        const float inv_l = 1.0f / l;
#pragma unroll
        for (int d = 0; d < D; d += 4)
            *reinterpret_cast<float4 *>(&o[base + (size_t)row * D + d]) =
                make_float4(out[d] * inv_l, out[d + 1] * inv_l, out[d + 2] * inv_l, out[d + 3] * inv_l);
    }
}

template <int D>
static gpu_status attention_launch_fused_d(float *o, const float *q, const float *k, const float *v, int BH, int T,
                                           int causal)
{
    constexpr int BR = 64, BC = 32;
    dim3 grid(tile_count(T, BR), BH);
    attention_fused_kernel<D, BR, BC><<<grid, BR>>>(o, q, k, v, T, 1.0f / sqrtf((float)D), causal);
    CUDA_CHECK_LAUNCH("attention_fused_kernel");
    return GPU_OK;
}

static gpu_status attention_launch_fused(float *o, const float *q, const float *k, const float *v, int BH, int T,
                                         int D, int causal, float *scratch)
{
    (void)scratch;
    if (BH > 65535) {
        gpu_report("launch the heads in groups of at most 65535",
                   "gpu_attention_forward: BH = %d: the fused kernel puts BH on the grid's y axis, "
                   "which allows at most 65535", BH);
        return GPU_ERR_ARGS;
    }
    const void *ptrs[4] = {o, q, k, v};
    const char *names[4] = {"o", "q", "k", "v"};
    for (int i = 0; i < 4; i++)
        if ((uintptr_t)ptrs[i] % 16) {
            gpu_report("gpu_malloc returns 16-byte aligned memory; an offset into it must be a multiple of 4 floats",
                       "gpu_attention_forward: %s is not 16-byte aligned: the fused kernel reads rows 16 bytes "
                       "at a time", names[i]);
            return GPU_ERR_ARGS;
        }
    switch (D) {
    case 16: return attention_launch_fused_d<16>(o, q, k, v, BH, T, causal);
    case 32: return attention_launch_fused_d<32>(o, q, k, v, BH, T, causal);
    case 64: return attention_launch_fused_d<64>(o, q, k, v, BH, T, causal);
    }
    return GPU_ERR_ARGS; /* gpu_attention_check allows only these */
}
