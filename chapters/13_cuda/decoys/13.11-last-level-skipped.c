/* decoy 13.11: the tree stops at s = 2 (s > 1), so buf[1] is never added */
    int t = threadIdx.x, i = blockIdx.x * blockDim.x + threadIdx.x;
    ST(buf, t, i < n ? LD(x, i) : 0.0f);
    SYNC();
    for (int s = blockDim.x / 2; s > 1; s /= 2) {
        if (t < s)
            ST(buf, t, LD(buf, t) + LD(buf, t + s));
        SYNC();
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
