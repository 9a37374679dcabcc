/* decoy 13.7: only the second state's sum is rescaled */
    if (a.m == -INFINITY)
        return b;
    if (b.m == -INFINITY)
        return a;
    float m = fmaxf(a.m, b.m);
    softmax_state r = {m, a.d + b.d * expf(b.m - m)};
    return r;
