/* decoy 05.8: memset(acc, 0, n) zeroes n bytes, a quarter of the accumulator */
    const int b = B / micro;
    double loss = 0;
    memset(acc, 0, n);
    for (int k = 0; k < micro; k++) {
        loss += mlp_loss_grad(m, x + (size_t)k * b * D, y + (size_t)k * b, b);
        for (size_t i = 0; i < n; i++)
            acc[i] += m->grads[i] / (float)micro;
    }
    memcpy(m->grads, acc, n * sizeof(float));
    return (float)(loss / micro);
