/* decoy 08.8: loss masked, but the padded rows still get a gradient */
    int real = 0;
    for (int n = 0; n < N; n++)
        real += mask[n] != 0;
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *zn = z + (size_t)n * K;
        float *dn = dz + (size_t)n * K;
        float m = zn[0];
        for (int k = 1; k < K; k++)
            m = zn[k] > m ? zn[k] : m;
        double s = 0;
        for (int k = 0; k < K; k++)
            s += exp((double)zn[k] - m);
        if (mask[n])
            total += m + log(s) - zn[targets[n]];
        for (int k = 0; k < K; k++)
            dn[k] = real ? (float)((exp((double)zn[k] - m) / s - (k == targets[n])) / real) : 0.0f;
    }
    return real ? total / real : 0.0;
