/* decoy 13.7: exp(M - m) instead of exp(m - M) */
    if (a.m == -INFINITY)
        return b;
    if (b.m == -INFINITY)
        return a;
    float m = fmaxf(a.m, b.m);
    softmax_state r = {m, a.d * expf(m - a.m) + b.d * expf(m - b.m)};
    return r;
