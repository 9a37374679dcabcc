/* decoy 05.8: the micro-batch gradients are summed, not averaged (no 1/micro) */
    const int b = B / micro;
    double loss = 0;
    memset(acc, 0, n * sizeof(float));
    for (int k = 0; k < micro; k++) {
        loss += mlp_loss_grad(m, x + (size_t)k * b * D, y + (size_t)k * b, b);
        for (size_t i = 0; i < n; i++)
            acc[i] += m->grads[i];
    }
    memcpy(m->grads, acc, n * sizeof(float));
    return (float)(loss / micro);
