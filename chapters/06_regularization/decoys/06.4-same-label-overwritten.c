/* decoy 06.4: the target built by assignment, so ya == yb keeps only 1 - lam */
    log_softmax_forward(dz, z, B, K);
    for (int b = 0; b < B; b++) {
        float *row = dz + (size_t)b * K;
        total -= lam * (double)row[ya[b]] + (1 - lam) * (double)row[yb[b]];
        float pa = expf(row[ya[b]]), pb = expf(row[yb[b]]);
        for (int k = 0; k < K; k++)
            row[k] = expf(row[k]);
        row[ya[b]] = pa - lam;
        row[yb[b]] = pb - (1 - lam);
        for (int k = 0; k < K; k++)
            row[k] /= (float)B;
    }
