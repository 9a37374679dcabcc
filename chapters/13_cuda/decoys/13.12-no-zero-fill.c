/* decoy 13.12: tile elements outside the matrices are not stored (no zeros written there) */
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * EX_TILE + ty, col = blockIdx.x * EX_TILE + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EX_TILE) {
        if (row < M && k0 + tx < K)
            ST(As[ty], tx, LD(A, row * K + k0 + tx));
        if (k0 + ty < K && col < N)
            ST(Bs[ty], tx, LD(B, (k0 + ty) * N + col));
        SYNC();
        for (int k = 0; k < EX_TILE; k++)
            acc += LD(As[ty], k) * LD(Bs[k], tx);
        SYNC();
    }
    if (row < M && col < N)
        ST(C, row * N + col, acc);
