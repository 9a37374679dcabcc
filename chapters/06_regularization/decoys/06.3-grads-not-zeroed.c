/* decoy 06.3: dgamma and dbeta accumulated into without zeroing them first */
    for (int j = 0; j < D; j++)
        (void)0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            dbeta[j] += dy[i];
            dgamma[j] += dy[i] * (x[i] - mean[j]) * rstd[j];
        }
    /* sum_b dzhat = gamma * dbeta, sum_b dzhat zhat = gamma * dgamma */
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            float zhat = (x[i] - mean[j]) * rstd[j];
            dx[i] = gamma[j] * rstd[j] / (float)B * ((float)B * dy[i] - dbeta[j] - zhat * dgamma[j]);
        }
