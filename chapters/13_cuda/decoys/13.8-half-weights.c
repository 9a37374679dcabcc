/* decoy 13.8: the between-parts term uses delta^2 / 2 (right only for equal counts) */
    if (a.n == 0)
        return b;
    if (b.n == 0)
        return a;
    int n = a.n + b.n;
    float delta = b.mean - a.mean;
    welford_state r = {n, a.mean + delta * (float)b.n / (float)n, a.m2 + b.m2 + delta * delta * 0.25f * (float)n};
    return r;
