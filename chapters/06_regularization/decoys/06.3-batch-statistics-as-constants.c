/* decoy 06.3: the mean and variance treated as constants (dx = gamma rstd dy) */
    for (int j = 0; j < D; j++)
        dgamma[j] = 0, dbeta[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            dbeta[j] += dy[i];
            dgamma[j] += dy[i] * (x[i] - mean[j]) * rstd[j];
            dx[i] = gamma[j] * rstd[j] * dy[i];
        }
