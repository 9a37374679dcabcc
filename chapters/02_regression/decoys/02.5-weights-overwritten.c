/* decoy 02.5: beta = 0 overwrites the weights with the step instead of adding it */
    matmul_blas(0, 0, B, 1, m->d, 1.0f, xb, m->w, 0.0f, z);
    for (int i = 0; i < B; i++)
        z[i] += m->b;
    float loss = bce_logits_loss(dz, z, tb, B);
    matmul_blas(1, 0, m->d, 1, B, -lr, xb, dz, 0.0f, m->w);
    float db = 0;
    for (int i = 0; i < B; i++)
        db += dz[i];
    m->b -= lr * db;
    return loss;
