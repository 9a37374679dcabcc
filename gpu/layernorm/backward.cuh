/* backward.cuh — layer norm, backward.
 *
 * With xhat_j = (x_j - mu) rstd and g_j = dy_j gamma_j, differentiating y through mu and rstd
 * (chapter 6 derives it) gives, for each row of C elements,
 *
 *   dx_j = rstd (g_j - mean_k g_k - xhat_j mean_k (g_k xhat_k)),
 *   dgamma_j = sum over rows of dy_j xhat_j,      dbeta_j = sum over rows of dy_j.
 *
 * dx needs two sums per row: one block per row computes both in one pass (block_merge on a
 * float2), then writes dx in a second pass. dgamma and dbeta are sums down the columns: there a
 * thread owns a column (neighbouring threads, neighbouring columns: coalesced) and sums a chunk
 * of rows; chunks are added with atomicAdd into the zeroed outputs, which spreads a tall matrix
 * over many blocks. (The order of those additions varies from run to run, so dgamma can differ
 * in the last bits between runs.)
 */

__global__ void __launch_bounds__(1024) layernorm_backward_dx_kernel(float *dx, const float *dy, const float *x,
                                                                     const float *gamma, const float *mean,
                                                                     const float *rstd, int cols)
{
    __shared__ float2 partial[32];
    const size_t off = (size_t)blockIdx.x * cols;
    const float mu = mean[blockIdx.x], r = rstd[blockIdx.x];
    float2 s = make_float2(0.0f, 0.0f); /* (sum g, sum g xhat) */
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float g = dy[off + j] * gamma[j], xhat = (x[off + j] - mu) * r;
        s.x += g;
        s.y += g * xhat;
    }
    s = block_merge(s, partial);
    const float mean_g = s.x / (float)cols, mean_gx = s.y / (float)cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        const float g = dy[off + j] * gamma[j], xhat = (x[off + j] - mu) * r;
        dx[off + j] = r * (g - mean_g - xhat * mean_gx);
    }
}

__global__ void layernorm_backward_params_kernel(float *dgamma, float *dbeta, const float *dy, const float *x,
                                                 const float *mean, const float *rstd, int rows, int cols,
                                                 int rows_per_chunk)
{
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (col >= cols)
        return;
    const int r0 = blockIdx.y * rows_per_chunk, r1 = min(rows, r0 + rows_per_chunk);
    float dg = 0.0f, db = 0.0f;
    for (int row = r0; row < r1; row++) {
        const size_t i = (size_t)row * cols + col;
        dg += dy[i] * (x[i] - mean[row]) * rstd[row];
        db += dy[i];
    }
    atomicAdd(&dgamma[col], dg);
    atomicAdd(&dbeta[col], db);
}

static gpu_status layernorm_launch_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                                            const float *gamma, const float *mean, const float *rstd, int rows,
                                            int cols)
{
    const int threads = cols >= 256 ? 256 : 32 * tile_count(cols, 32);
    layernorm_backward_dx_kernel<<<rows, threads>>>(dx, dy, x, gamma, mean, rstd, cols);
    CUDA_CHECK_LAUNCH("layernorm_backward_dx_kernel");
    CUDA_CHECK(cudaMemsetAsync(dgamma, 0, (size_t)cols * sizeof(float), 0));
    CUDA_CHECK(cudaMemsetAsync(dbeta, 0, (size_t)cols * sizeof(float), 0));
    const int rows_per_chunk = 64, chunks = tile_count(rows, rows_per_chunk);
    dim3 grid(tile_count(cols, 256), chunks < 65535 ? chunks : 65535);
    const int per_chunk = tile_count(rows, (int)grid.y); /* more rows per chunk when chunks are capped */
    layernorm_backward_params_kernel<<<grid, 256>>>(dgamma, dbeta, dy, x, mean, rstd, rows, cols,
                                                    per_chunk > rows_per_chunk ? per_chunk : rows_per_chunk);
    CUDA_CHECK_LAUNCH("layernorm_backward_params_kernel");
    return GPU_OK;
}
