/* decoy 02.4: one pass, E[x^2] - mean^2 accumulated in float (cancels far from zero) */
    for (int j = 0; j < d; j++) {
        float sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            float v = x[(size_t)i * d + j];
            sum += v;
            sq += v * v;
        }
        float mu = sum / n, var = sq / n - mu * mu;
        float sigma = sqrtf(var > 0 ? var : 0);
        mean[j] = mu;
        std[j] = sigma < 1e-6f ? 1.0f : sigma;
    }
