/* decoy 05.2: no bias correction (m and v used as they are) */
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        p[i] -= (float)(lr * m[i] / (sqrt(v[i]) + eps));
    }
    (void)t;
