/* reduce.cuh — combining what the threads of a warp, then of a block, each computed.
 *
 * A warp combines its 32 partial results in 5 steps with __shfl_xor_sync: at step s each thread
 * swaps values with the thread whose lane differs in bit s, and merges. After 5 steps every
 * thread holds the merge of all 32 (a butterfly). No shared memory, no barrier: the values move
 * between registers. A block then has one result per warp; those go through shared memory, and
 * each warp merges them again with shuffles. The merge is the exercise's: softmax_merge (13.7),
 * welford_merge (13.8), or a plain sum.
 *
 * Which lane's result is used: merging in a different order can round differently, so at the end
 * lane 0's value is broadcast, and every thread of the block returns exactly the same numbers.
 */
#ifndef NN_GPU_REDUCE_CUH
#define NN_GPU_REDUCE_CUH

__device__ __forceinline__ softmax_state warp_merge(softmax_state s)
{
#pragma unroll
    for (int bit = 16; bit > 0; bit /= 2) {
        softmax_state o;
        o.m = __shfl_xor_sync(FULL_WARP, s.m, bit);
        o.d = __shfl_xor_sync(FULL_WARP, s.d, bit);
        s = softmax_merge(s, o);
    }
    s.m = __shfl_sync(FULL_WARP, s.m, 0);
    s.d = __shfl_sync(FULL_WARP, s.d, 0);
    return s;
}

__device__ __forceinline__ welford_state warp_merge(welford_state s)
{
#pragma unroll
    for (int bit = 16; bit > 0; bit /= 2) {
        welford_state o;
        o.n = __shfl_xor_sync(FULL_WARP, s.n, bit);
        o.mean = __shfl_xor_sync(FULL_WARP, s.mean, bit);
        o.m2 = __shfl_xor_sync(FULL_WARP, s.m2, bit);
        s = welford_merge(s, o);
    }
    s.n = __shfl_sync(FULL_WARP, s.n, 0);
    s.mean = __shfl_sync(FULL_WARP, s.mean, 0);
    s.m2 = __shfl_sync(FULL_WARP, s.m2, 0);
    return s;
}

/* Two sums at once (the layer-norm backward pass needs two per row). */
__device__ __forceinline__ float2 warp_merge(float2 s)
{
#pragma unroll
    for (int bit = 16; bit > 0; bit /= 2) {
        s.x += __shfl_xor_sync(FULL_WARP, s.x, bit);
        s.y += __shfl_xor_sync(FULL_WARP, s.y, bit);
    }
    s.x = __shfl_sync(FULL_WARP, s.x, 0);
    s.y = __shfl_sync(FULL_WARP, s.y, 0);
    return s;
}

__device__ __forceinline__ softmax_state empty_state(softmax_state) { return softmax_state{-INFINITY, 0.0f}; }
__device__ __forceinline__ welford_state empty_state(welford_state) { return welford_state{0, 0.0f, 0.0f}; }
__device__ __forceinline__ float2 empty_state(float2) { return make_float2(0.0f, 0.0f); }

/* The merge over the whole block (blockDim.x a multiple of 32, at most 1024). Every thread of
 * the block must call it (it has a barrier), and every thread gets the result. `partial` is a
 * __shared__ array of 32 states owned by the caller: it must not be reused before a barrier. */
template <typename State>
__device__ __forceinline__ State block_merge(State s, State *partial)
{
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
    s = warp_merge(s);
    if (lane == 0)
        partial[warp] = s;
    __syncthreads();
    s = lane < warps ? partial[lane] : empty_state(s);
    return warp_merge(s);
}

#endif
