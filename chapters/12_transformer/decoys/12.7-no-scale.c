/* decoy 12.7: the scale alpha / r dropped */
    (void)alpha;
    matmul_blas(0, 1, nin, r, nout, 1.0f, G, B, 0.0f, dA);
    matmul_blas(1, 0, r, nout, nin, 1.0f, A, G, 0.0f, dB);
