/* decoy 13.8: no check for an empty part (two empty parts give 0 / 0) */
    int n = a.n + b.n;
    float delta = b.mean - a.mean, wb = (float)b.n / (float)n;
    welford_state r = {n, a.mean + delta * wb, a.m2 + b.m2 + delta * delta * (float)a.n * wb};
    return r;
