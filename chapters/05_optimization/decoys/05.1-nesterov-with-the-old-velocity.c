/* decoy 05.1: Nesterov's look-ahead uses the velocity before this step's update */
    for (size_t i = 0; i < n; i++) {
        float old = buf[i];
        buf[i] = mu * buf[i] + g[i];
        p[i] -= lr * (nesterov ? g[i] + mu * old : buf[i]);
    }
