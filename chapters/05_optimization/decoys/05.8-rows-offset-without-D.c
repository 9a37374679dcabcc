/* decoy 05.8: the k-th micro-batch starts at x + k b (a row is D floats: x + k b D) */
    const int b = B / micro;
    double loss = 0;
    memset(acc, 0, n * sizeof(float));
    for (int k = 0; k < micro; k++) {
        loss += mlp_loss_grad(m, x + (size_t)k * b, y + (size_t)k * b, b);
        for (size_t i = 0; i < n; i++)
            acc[i] += m->grads[i] / (float)micro;
    }
    memcpy(m->grads, acc, n * sizeof(float));
    (void)D;
    return (float)(loss / micro);
