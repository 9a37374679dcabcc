/* decoy 13.14: three passes over the row (maximum, then sum, then output) instead of one online pass */
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return;
    const float *xr = x + (long)row * cols;
    float m = -INFINITY, d = 0.0f;
    for (int j = lane; j < cols; j += 32)
        m = fmaxf(m, LD(xr, j));
    for (int mask = 16; mask > 0; mask /= 2)
        m = fmaxf(m, SHFL_XOR(m, mask));
    for (int j = lane; j < cols; j += 32)
        d += expf(LD(xr, j) - m);
    for (int mask = 16; mask > 0; mask /= 2)
        d += SHFL_XOR(d, mask);
    for (int j = lane; j < cols; j += 32)
        ST(y, (long)row * cols + j, expf(LD(xr, j) - m) / d);
