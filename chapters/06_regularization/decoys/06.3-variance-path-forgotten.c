/* decoy 06.3: only the mean's path subtracted (the variance's zhat * dgamma term forgotten) */
    for (int j = 0; j < D; j++)
        dgamma[j] = 0, dbeta[j] = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            dbeta[j] += dy[i];
            dgamma[j] += dy[i] * (x[i] - mean[j]) * rstd[j];
        }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            size_t i = (size_t)b * D + j;
            dx[i] = gamma[j] * rstd[j] / (float)B * ((float)B * dy[i] - dbeta[j]);
        }
