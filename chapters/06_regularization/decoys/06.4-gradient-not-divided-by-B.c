/* decoy 06.4: the gradient misses the 1/B of the mean */
    log_softmax_forward(dz, z, B, K);
    for (int b = 0; b < B; b++) {
        float *row = dz + (size_t)b * K;
        total -= lam * (double)row[ya[b]] + (1 - lam) * (double)row[yb[b]];
        for (int k = 0; k < K; k++)
            row[k] = expf(row[k]);
        row[ya[b]] -= lam;
        row[yb[b]] -= 1 - lam;
    }
