/* decoy 02.6: no numerical stabilization (exp of the raw logits) */
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * K;
        float sum = 0;
        for (int k = 0; k < K; k++)
            sum += expf(zb[k]);
        double lse = logf(sum), qz = 0;
        for (int k = 0; k < K; k++) {
            double q = (1.0 - eps) * (k == labels[b]) + (double)eps / K;
            qz += q * zb[k];
            if (dz)
                dz[(size_t)b * K + k] = (float)((exp(zb[k] - lse) - q) / B);
        }
        total += lse - qz;
    }
    return (float)(total / B);
