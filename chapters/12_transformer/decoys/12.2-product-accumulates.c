/* decoy 12.2: the product added into dwte (beta = 1) instead of overwriting it */
    matmul_blas(1, 0, V, C, N, 1.0f, dlogits, h, 1.0f, dwte);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            dwte[(size_t)ids[n] * C + c] += dx0[(size_t)n * C + c];
