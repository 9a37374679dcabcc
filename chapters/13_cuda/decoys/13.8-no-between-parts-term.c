/* decoy 13.8: m2 = m2_a + m2_b, without the delta^2 n_a n_b / n term */
    if (a.n == 0)
        return b;
    if (b.n == 0)
        return a;
    int n = a.n + b.n;
    float delta = b.mean - a.mean;
    welford_state r = {n, a.mean + delta * (float)b.n / (float)n, a.m2 + b.m2};
    return r;
