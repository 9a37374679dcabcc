/* 02_online.cuh — softmax step 2: one block per row, online softmax, warp shuffles.
 *
 * One block per row: its threads read the row together, neighbouring threads neighbouring
 * elements (coalesced, 16 bytes per thread when the row allows it). The maximum and the sum
 * come out of a single pass: each thread keeps a softmax_state {m, d} of the elements it has
 * seen and merges each new element into it (exercise 13.7); then the block merges the threads'
 * states (reduce.cuh: shuffles within a warp, shared memory between warps). A second pass
 * reads the row again and writes y_j = exp(x_j - m) / d. A row of 16 KB read a moment ago is
 * still in L2, so the second read costs little DRAM traffic: about one read and one write per
 * element, like a copy.
 */

__global__ void __launch_bounds__(1024) softmax_online_kernel(float *y, const float *x, int cols, bool vec)
{
    __shared__ softmax_state partial[32];
    const float *xr = x + (size_t)blockIdx.x * cols;
    float *yr = y + (size_t)blockIdx.x * cols;
    softmax_state s = {-INFINITY, 0.0f};
    if (vec) { /* 16-byte loads: cols % 4 == 0 and both rows 16-byte aligned */
        for (int j = threadIdx.x; j < cols / 4; j += blockDim.x) {
            const float4 v = reinterpret_cast<const float4 *>(xr)[j];
            s = softmax_merge(s, softmax_one(v.x));
            s = softmax_merge(s, softmax_one(v.y));
            s = softmax_merge(s, softmax_one(v.z));
            s = softmax_merge(s, softmax_one(v.w));
        }
    } else {
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            s = softmax_merge(s, softmax_one(xr[j]));
    }
    s = block_merge(s, partial);
    const float inv_d = 1.0f / s.d;
    if (vec) {
        for (int j = threadIdx.x; j < cols / 4; j += blockDim.x) {
            const float4 v = reinterpret_cast<const float4 *>(xr)[j];
            reinterpret_cast<float4 *>(yr)[j] = make_float4(expf(v.x - s.m) * inv_d, expf(v.y - s.m) * inv_d,
                                                            expf(v.z - s.m) * inv_d, expf(v.w - s.m) * inv_d);
        }
    } else {
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            yr[j] = expf(xr[j] - s.m) * inv_d;
    }
}

static gpu_status softmax_launch_online(float *y, const float *x, int rows, int cols)
{
    const bool vec = cols % 4 == 0 && (uintptr_t)x % 16 == 0 && (uintptr_t)y % 16 == 0;
    const int work = vec ? cols / 4 : cols;                     /* loads per row */
    const int threads = work >= 256 ? 256 : 32 * tile_count(work, 32); /* whole warps */
    softmax_online_kernel<<<rows, threads>>>(y, x, cols, vec);
    CUDA_CHECK_LAUNCH("softmax_online_kernel");
    return GPU_OK;
}
