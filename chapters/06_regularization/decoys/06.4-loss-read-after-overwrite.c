/* decoy 06.4: the loss read from dz after it was overwritten with p (p instead of log p) */
    log_softmax_forward(dz, z, B, K);
    for (int b = 0; b < B; b++) {
        float *row = dz + (size_t)b * K;
        (void)0;
        for (int k = 0; k < K; k++)
            row[k] = expf(row[k]);
        total -= lam * (double)row[ya[b]] + (1 - lam) * (double)row[yb[b]];
        row[ya[b]] -= lam;
        row[yb[b]] -= 1 - lam;
        for (int k = 0; k < K; k++)
            row[k] /= (float)B;
    }
