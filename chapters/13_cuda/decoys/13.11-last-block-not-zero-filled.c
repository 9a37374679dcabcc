/* decoy 13.11: the elements beyond n are not loaded as 0 (the last block reads past the end) */
    int t = threadIdx.x, i = blockIdx.x * blockDim.x + threadIdx.x;
    ST(buf, t, LD(x, i));
    SYNC();
    for (int s = blockDim.x / 2; s > 0; s /= 2) {
        if (t < s)
            ST(buf, t, LD(buf, t) + LD(buf, t + s));
        SYNC();
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
