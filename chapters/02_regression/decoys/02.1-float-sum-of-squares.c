/* decoy 02.1: the sum of squares accumulated in a float (the prose asks for a double) */
    matmul_blas(0, 0, n, 1, d, 1.0f, X, w, 0.0f, r);
    float sum = 0;
    for (int i = 0; i < n; i++) {
        r[i] -= y[i];
        sum += r[i] * r[i];
    }
    matmul_blas(1, 0, d, 1, n, 2.0f / (float)n, X, r, 0.0f, grad);
    return sum / n;
