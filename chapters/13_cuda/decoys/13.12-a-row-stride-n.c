/* decoy 13.12: A's rows taken N floats apart instead of K (right only when K = N) */
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * EX_TILE + ty, col = blockIdx.x * EX_TILE + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += EX_TILE) {
        ST(As[ty], tx, row < M && k0 + tx < K ? LD(A, row * N + k0 + tx) : 0.0f);
        ST(Bs[ty], tx, k0 + ty < K && col < N ? LD(B, (k0 + ty) * N + col) : 0.0f);
        SYNC();
        for (int k = 0; k < EX_TILE; k++)
            acc += LD(As[ty], k) * LD(Bs[k], tx);
        SYNC();
    }
    if (row < M && col < N)
        ST(C, row * N + col, acc);
