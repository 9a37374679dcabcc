/* decoy 12.7: dB added to (beta = 1) instead of overwritten */
    const float s = alpha / (float)r;
    matmul_blas(0, 1, nin, r, nout, s, G, B, 0.0f, dA);
    matmul_blas(1, 0, r, nout, nin, s, A, G, 1.0f, dB);
