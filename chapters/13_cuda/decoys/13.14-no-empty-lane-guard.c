/* decoy 13.14: the shuffle merge has no guard for a lane with no element (m = -inf) */
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows)
        return;
    const float *xr = x + (long)row * cols;
    float m = -INFINITY, d = 0.0f;
    for (int j = lane; j < cols; j += 32) {
        float v = LD(xr, j), m_new = fmaxf(m, v);
        d = d * expf(m - m_new) + expf(v - m_new);
        m = m_new;
    }
    for (int mask = 16; mask > 0; mask /= 2) {
        float m_o = SHFL_XOR(m, mask), d_o = SHFL_XOR(d, mask), m_new = fmaxf(m, m_o);
        d = d * expf(m - m_new) + d_o * expf(m_o - m_new);
        m = m_new;
    }
    for (int j = lane; j < cols; j += 32)
        ST(y, (long)row * cols + j, expf(LD(xr, j) - m) / d);
