/* decoy 02.7: the bias is copied into the first row of z only */
    for (int i = 0; i < B; i++)
        memcpy(z, m->b, (size_t)K * sizeof(float));
    matmul_blas(0, 0, B, K, D, 1.0f, xb, m->W, 1.0f, z); /* Z = 1 b^T + X W:  (B, K) */
    float loss = softmax_ce_smooth(dz, z, yb, B, K, eps);
    for (int k = 0; k < K; k++) {
        float db = 0;
        for (int i = 0; i < B; i++)
            db += dz[(size_t)i * K + k];
        m->b[k] -= lr * db;
    }
    matmul_blas(1, 0, D, K, B, -lr, xb, dz, 1.0f, m->W); /* W += -lr X^T dZ:  (D, K) */
    return loss;
