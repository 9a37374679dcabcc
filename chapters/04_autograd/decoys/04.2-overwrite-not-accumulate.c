/* decoy 04.2: beta = 0 overwrites the gradients instead of adding to them */
    if (dA)
        matmul_blas(0, 1, M, K, N, 1.0f, dC, B, 0.0f, dA);
    if (dB)
        matmul_blas(1, 0, K, N, M, 1.0f, A, dC, 0.0f, dB);
