/* decoy 13.10: no i < n check (the last block reads and writes past the end) */
        int i = base + j * blockDim.x + threadIdx.x;
        ST(y, i, a * LD(x, i) + LD(y, i));
