/* decoy 04.2: dA = dC B with B read untransposed (the shapes only look right) */
    if (dA)
        matmul_blas(0, 0, M, K, N, 1.0f, dC, B, 1.0f, dA);
    if (dB)
        matmul_blas(1, 0, K, N, M, 1.0f, A, dC, 1.0f, dB);
