/* decoy 08.8: no maximum subtracted, exp overflows on large logits */
    int real = 0;
    for (int n = 0; n < N; n++)
        real += mask[n] != 0;
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *zn = z + (size_t)n * K;
        float *dn = dz + (size_t)n * K;
        if (!mask[n]) {
            memset(dn, 0, (size_t)K * sizeof(float));
            continue;
        }
        float s = 0;
        for (int k = 0; k < K; k++)
            s += expf(zn[k]);
        total += logf(s) - zn[targets[n]];
        for (int k = 0; k < K; k++)
            dn[k] = (expf(zn[k]) / s - (k == targets[n])) / real;
    }
    return real ? total / real : 0.0;
