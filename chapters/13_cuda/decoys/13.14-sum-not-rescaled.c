/* decoy 13.14: the running sum is not rescaled when the maximum grows */
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return;
    const float *xr = x + (long)row * cols;
    float m = -INFINITY, d = 0.0f;
    for (int j = lane; j < cols; j += 32) {
        float v = LD(xr, j), m_new = fmaxf(m, v);
        d = d + expf(v - m_new);
        m = m_new;
    }
    for (int mask = 16; mask > 0; mask /= 2) {
        float m_o = SHFL_XOR(m, mask), d_o = SHFL_XOR(d, mask), m_new = fmaxf(m, m_o);
        if (m_new != -INFINITY)
            d = (m == -INFINITY ? 0.0f : d * expf(m - m_new)) + (m_o == -INFINITY ? 0.0f : d_o * expf(m_o - m_new));
        m = m_new;
    }
    for (int j = lane; j < cols; j += 32)
        ST(y, (long)row * cols + j, expf(LD(xr, j) - m) / d);
