/* decoy 05.1: the velocity as an average, buf = mu buf + (1 - mu) g (not PyTorch's sum) */
    for (size_t i = 0; i < n; i++) {
        buf[i] = mu * buf[i] + (1.0f - mu) * g[i];
        p[i] -= lr * (nesterov ? g[i] + mu * buf[i] : buf[i]);
    }
