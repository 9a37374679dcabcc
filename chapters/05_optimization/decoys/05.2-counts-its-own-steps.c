/* decoy 05.2: the step number is counted by a static counter instead of taken from t */
    static long step = 0;
    step++;
    (void)t;
    double c1 = 1.0 - pow(b1, (double)step), c2 = 1.0 - pow(b2, (double)step);
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        double mhat = m[i] / c1, vhat = v[i] / c2;
        p[i] -= (float)(lr * mhat / (sqrt(vhat) + eps));
    }
