/* decoy 06.4: lam weights the partner's label and 1 - lam the example's own */
    log_softmax_forward(dz, z, B, K);
    for (int b = 0; b < B; b++) {
        float *row = dz + (size_t)b * K;
        total -= (1 - lam) * (double)row[ya[b]] + lam * (double)row[yb[b]];
        for (int k = 0; k < K; k++)
            row[k] = expf(row[k]);
        row[ya[b]] -= 1 - lam;
        row[yb[b]] -= lam;
        for (int k = 0; k < K; k++)
            row[k] /= (float)B;
    }
