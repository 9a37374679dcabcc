/* decoy 12.7: scale alpha * r instead of alpha / r */
    const float s = alpha * (float)r;
    matmul_blas(0, 1, nin, r, nout, s, G, B, 0.0f, dA);
    matmul_blas(1, 0, r, nout, nin, s, A, G, 0.0f, dB);
