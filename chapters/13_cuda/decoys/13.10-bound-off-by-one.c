/* decoy 13.10: i <= n instead of i < n (one element past the end) */
        int i = base + j * blockDim.x + threadIdx.x;
        if (i <= n)
            ST(y, i, a * LD(x, i) + LD(y, i));
