/* decoy 09.4: sums accumulated in float, not double */
    float ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < d; i++)
        ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    if (aa == 0 || bb == 0)
        return 0;
    return ab / sqrtf(aa * bb);
