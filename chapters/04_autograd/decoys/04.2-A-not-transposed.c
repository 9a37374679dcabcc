/* decoy 04.2: dB = A dC with A read untransposed */
    if (dA)
        matmul(0, 1, M, K, N, 1.0f, dC, B, 1.0f, dA);
    if (dB)
        matmul(0, 0, K, N, M, 1.0f, A, dC, 1.0f, dB);
