/* decoy 05.1: lr folded into the velocity, buf = mu buf + lr g (not PyTorch's form) */
    for (size_t i = 0; i < n; i++) {
        buf[i] = mu * buf[i] + lr * g[i];
        p[i] -= nesterov ? lr * g[i] + mu * buf[i] : buf[i];
    }
