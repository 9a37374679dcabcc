/* decoy 13.11: interleaved addressing (buf[2st] += buf[2st + s]): bank conflicts */
    int t = threadIdx.x, i = blockIdx.x * blockDim.x + threadIdx.x;
    ST(buf, t, i < n ? LD(x, i) : 0.0f);
    SYNC();
    for (int s = 1; s < (int)blockDim.x; s *= 2) {
        int k = 2 * s * t;
        if (k < (int)blockDim.x)
            ST(buf, k, LD(buf, k) + LD(buf, k + s));
        SYNC();
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
