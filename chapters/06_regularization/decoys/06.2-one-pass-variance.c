/* decoy 06.2: one-pass variance E[x^2] - E[x]^2 in float (cancels far from zero) */
    for (int j = 0; j < D; j++)
        mean[j] = 0, rstd[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            float v = x[(size_t)b * D + j];
            mean[j] += v;
            rstd[j] += v * v;
        }
    for (int j = 0; j < D; j++) {
        mean[j] /= (float)B;
        float var = rstd[j] / (float)B - mean[j] * mean[j];
        if (var < 0)
            var = 0;
        run_mean[j] = (1 - mom) * run_mean[j] + mom * mean[j];
        run_var[j] = (1 - mom) * run_var[j] + mom * var * (float)B / (float)(B - 1);
        rstd[j] = 1.0f / sqrtf(var + eps);
    }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            y[i] = gamma[j] * (x[i] - mean[j]) * rstd[j] + beta[j];
        }
