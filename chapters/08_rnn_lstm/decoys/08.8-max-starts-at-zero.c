/* decoy 08.8: row maximum started at 0 instead of the first logit */
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
        float m = 0;
        for (int k = 0; k < K; k++)
            m = zn[k] > m ? zn[k] : m;
        double s = 0;
        for (int k = 0; k < K; k++)
            s += exp((double)zn[k] - m);
        total += m + log(s) - zn[targets[n]];
        for (int k = 0; k < K; k++)
            dn[k] = (float)((exp((double)zn[k] - m) / s - (k == targets[n])) / real);
    }
    return real ? total / real : 0.0;
