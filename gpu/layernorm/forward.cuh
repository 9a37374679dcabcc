/* forward.cuh — layer norm, forward: one block per row, Welford in one pass.
 *
 * y_j = (x_j - mu) * rstd * gamma_j + beta_j, mu the row's mean, rstd = 1 / sqrt(var + eps),
 * var the biased variance (divided by C, as PyTorch's LayerNorm). The textbook formula
 * var = E[x^2] - mu^2 subtracts two large, nearly equal numbers when the mean is large compared
 * with the spread, and loses the digits that matter. Welford's update keeps the mean and the sum
 * of squared deviations m2 instead, which stays accurate; each thread folds its elements in
 * with welford_merge (exercise 13.8), and the block merges the threads' states with the same
 * function (reduce.cuh). A second pass normalizes (the row is still in L2). The mean and rstd
 * are saved for the backward pass.
 */

__global__ void __launch_bounds__(1024) layernorm_forward_kernel(float *y, float *mean, float *rstd, const float *x,
                                                                 const float *gamma, const float *beta, int cols,
                                                                 float eps, bool vec)
{
    __shared__ welford_state partial[32];
    const float *xr = x + (size_t)blockIdx.x * cols;
    float *yr = y + (size_t)blockIdx.x * cols;
    welford_state s = {0, 0.0f, 0.0f};
    if (vec) {
        for (int j = threadIdx.x; j < cols / 4; j += blockDim.x) {
            const float4 v = reinterpret_cast<const float4 *>(xr)[j];
            s = welford_merge(s, welford_one(v.x));
            s = welford_merge(s, welford_one(v.y));
            s = welford_merge(s, welford_one(v.z));
            s = welford_merge(s, welford_one(v.w));
        }
    } else {
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            s = welford_merge(s, welford_one(xr[j]));
    }
    s = block_merge(s, partial);
    const float mu = s.mean, r = rsqrtf(s.m2 / (float)cols + eps);
    if (threadIdx.x == 0) {
        if (mean)
            mean[blockIdx.x] = mu;
        if (rstd)
            rstd[blockIdx.x] = r;
    }
    if (vec) {
        for (int j = threadIdx.x; j < cols / 4; j += blockDim.x) {
            const float4 v = reinterpret_cast<const float4 *>(xr)[j];
            const float4 g = reinterpret_cast<const float4 *>(gamma)[j], b = reinterpret_cast<const float4 *>(beta)[j];
            reinterpret_cast<float4 *>(yr)[j] = make_float4((v.x - mu) * r * g.x + b.x, (v.y - mu) * r * g.y + b.y,
                                                            (v.z - mu) * r * g.z + b.z, (v.w - mu) * r * g.w + b.w);
        }
    } else {
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            yr[j] = (xr[j] - mu) * r * gamma[j] + beta[j];
    }
}

static gpu_status layernorm_launch_forward(float *y, float *mean, float *rstd, const float *x, const float *gamma,
                                           const float *beta, int rows, int cols, float eps)
{
    const bool vec = cols % 4 == 0 && (uintptr_t)x % 16 == 0 && (uintptr_t)y % 16 == 0 &&
                     (uintptr_t)gamma % 16 == 0 && (uintptr_t)beta % 16 == 0;
    const int work = vec ? cols / 4 : cols;
    const int threads = work >= 256 ? 256 : 32 * tile_count(work, 32);
    layernorm_forward_kernel<<<rows, threads>>>(y, mean, rstd, x, gamma, beta, cols, eps, vec);
    CUDA_CHECK_LAUNCH("layernorm_forward_kernel");
    return GPU_OK;
}
