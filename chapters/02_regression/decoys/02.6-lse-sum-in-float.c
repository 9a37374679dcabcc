/* decoy 02.6: the sum of exponentials accumulated in float */
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        float m = zb[0];
        for (int k = 1; k < K; k++)
            m = fmaxf(m, zb[k]);
        float sum = 0;
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
