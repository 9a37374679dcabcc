/* decoy 13.12: the tile of A loaded with threadIdx.x along its rows (uncoalesced) */
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * EX_TILE + ty, col = blockIdx.x * EX_TILE + tx;
    int arow = blockIdx.y * EX_TILE + tx; /* thread (tx, ty) loads A[arow][k0 + ty] into As[tx][ty] */
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EX_TILE) {
        ST(As[tx], ty, arow < M && k0 + ty < K ? LD(A, arow * K + k0 + ty) : 0.0f);
        ST(Bs[ty], tx, k0 + ty < K && col < N ? LD(B, (k0 + ty) * N + col) : 0.0f);
        SYNC();
        for (int k = 0; k < EX_TILE; k++)
            acc += LD(As[ty], k) * LD(Bs[k], tx);
        SYNC();
    }
    if (row < M && col < N)
        ST(C, row * N + col, acc);
