/* decoy 05.3: the decay factor (1 - wd) is not multiplied by the learning rate */
    for (size_t i = 0; i < n; i++)
        p[i] *= 1.0f - wd;
    adam_update(p, m, v, g, n, lr, b1, b2, eps, t);
