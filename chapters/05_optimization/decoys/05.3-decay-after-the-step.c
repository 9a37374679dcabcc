/* decoy 05.3: the decay applied after the Adam step instead of before */
    adam_update(p, m, v, g, n, lr, b1, b2, eps, t);
    for (size_t i = 0; i < n; i++)
        p[i] *= 1.0f - lr * wd;
