/* decoy 02.6: the row maximum starts at 0 (all-negative logits underflow) */
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        float m = 0;
        for (int k = 0; k < K; k++)
            m = fmaxf(m, zb[k]);
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += exp((double)zb[k] - m);
        double lse = m + log(sum), qz = 0;
        for (int k = 0; k < K; k++) {
            double q = (1.0 - eps) * (k == labels[b]) + (double)eps / K;
            qz += q * zb[k];
            if (dz)
                dz[(size_t)b * K + k] = (float)((exp(zb[k] - lse) - q) / B);
        }
        total += lse - qz;
    }
    return (float)(total / B);
