/* decoy 12.7: only B trained (dA left zero, as at the first step where B = 0) */
    const float s = alpha / (float)r;
    memset(dA, 0, (size_t)nin * r * sizeof(float));
    matmul_blas(1, 0, r, nout, nin, s, A, G, 0.0f, dB);
