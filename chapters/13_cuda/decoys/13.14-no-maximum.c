/* decoy 13.14: plain sum of exp(x) with no maximum subtracted (overflows for large x) */
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return;
    const float *xr = x + (long)row * cols;
    float d = 0.0f;
    for (int j = lane; j < cols; j += 32)
        d += expf(LD(xr, j));
    for (int mask = 16; mask > 0; mask /= 2)
        d += SHFL_XOR(d, mask);
    for (int j = lane; j < cols; j += 32)
        ST(y, (long)row * cols + j, expf(LD(xr, j)) / d);
