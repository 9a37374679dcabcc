/* decoy 13.10: each thread a contiguous chunk (lanes 4 floats apart: uncoalesced) */
        int i = base + threadIdx.x * EX_MAP_PER_THREAD + j;
        if (i < n)
            ST(y, i, a * LD(x, i) + LD(y, i));
