/* decoy 13.11: a barrier after each level but none between the loads and the first level (a race) */
    int t = threadIdx.x, i = blockIdx.x * blockDim.x + threadIdx.x;
    ST(buf, t, i < n ? LD(x, i) : 0.0f);
    for (int s = blockDim.x / 2; s > 0; s /= 2) {
        if (t < s)
            ST(buf, t, LD(buf, t) + LD(buf, t + s));
        SYNC();
    }
    if (t == 0)
        ST(out, blockIdx.x, LD(buf, 0));
