/* decoy 06.2: beta[0] added to every feature */
    for (int j = 0; j < D; j++)
        mean[j] = 0, rstd[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++)
            mean[j] += x[(size_t)b * D + j];
    for (int j = 0; j < D; j++)
        mean[j] /= (float)B;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            float d = x[(size_t)b * D + j] - mean[j];
            rstd[j] += d * d;
        }
    for (int j = 0; j < D; j++) {
        float var = rstd[j] / (float)B;
        run_mean[j] = (1 - mom) * run_mean[j] + mom * mean[j];
        run_var[j] = (1 - mom) * run_var[j] + mom * var * (float)B / (float)(B - 1);
        rstd[j] = 1.0f / sqrtf(var + eps);
    }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            y[i] = gamma[j] * (x[i] - mean[j]) * rstd[j] + beta[0];
        }
