/* decoy 13.8: the merged mean is the plain average of the two means (ignores the counts) */
    if (a.n == 0)
        return b;
    if (b.n == 0)
        return a;
    int n = a.n + b.n;
    float delta = b.mean - a.mean;
    welford_state r = {n, 0.5f * (a.mean + b.mean), a.m2 + b.m2 + delta * delta * (float)a.n * (float)b.n / (float)n};
    return r;
