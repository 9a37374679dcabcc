/* decoy 13.7: no check for m = -inf (two empty states give exp(NaN)) */
    float m = fmaxf(a.m, b.m);
    softmax_state r = {m, a.d * expf(a.m - m) + b.d * expf(b.m - m)};
    return r;
