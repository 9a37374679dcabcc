/* decoy 13.7: emptiness tested with d == 0 instead of m == -inf */
    if (a.d == 0.0f)
        return b;
    if (b.d == 0.0f)
        return a;
    float m = fmaxf(a.m, b.m);
    softmax_state r = {m, a.d * expf(a.m - m) + b.d * expf(b.m - m)};
    return r;
