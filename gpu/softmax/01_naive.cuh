/* 01_naive.cuh — softmax step 1: one thread per row, three passes.
 *
 * y_j = exp(x_j - m) / sum_k exp(x_k - m), m = max_k x_k: subtracting the maximum changes
 * nothing mathematically and keeps exp from overflowing. The direct translation reads the row
 * three times: once for m, once for the sum, once to write y. With one thread per row, the 32
 * threads of a warp read 32 different rows: at each step their addresses are a whole row apart,
 * so nothing coalesces, and a row of 4096 floats gets no help from the rest of the warp.
 * Limitation: uncoalesced, three passes, and too few threads when rows are few.
 */

__global__ void softmax_naive_kernel(float *y, const float *x, int rows, int cols)
{
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows)
        return;
    const float *xr = x + (size_t)row * cols;
    float *yr = y + (size_t)row * cols;
    float m = -INFINITY;
    for (int j = 0; j < cols; j++)
        m = fmaxf(m, xr[j]);
    float d = 0.0f;
    for (int j = 0; j < cols; j++)
        d += expf(xr[j] - m);
    for (int j = 0; j < cols; j++)
        yr[j] = expf(xr[j] - m) / d;
}

static gpu_status softmax_launch_naive(float *y, const float *x, int rows, int cols)
{
    softmax_naive_kernel<<<tile_count(rows, 128), 128>>>(y, x, rows, cols);
    CUDA_CHECK_LAUNCH("softmax_naive_kernel");
    return GPU_OK;
}
