/* decoy 04.2: dB = A dC with A read untransposed */
    if (dA)
        matmul_blas(0, 1, M, K, N, 1.0f, dC, B, 1.0f, dA);
    if (dB)
        matmul_blas(0, 0, K, N, M, 1.0f, A, dC, 1.0f, dB);
