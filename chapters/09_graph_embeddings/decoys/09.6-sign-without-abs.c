/* decoy 09.6: sign picked by the largest signed coordinate (fabsf forgotten) */
    for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++)
            mean += X[(size_t)i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++)
            Xc[(size_t)i * d + j] = (float)(X[(size_t)i * d + j] - mean);
    }
    matmul_blas(1, 0, d, d, n, 1.0f / (n - 1), Xc, Xc, 0.0f, C);
    for (int c = 0; c < 2; c++) {
        for (int j = 0; j < d; j++)
            w[j] = rng_normal(rng);
        for (int t = 0; t < iters; t++)
            power_step(w, C, tmp, d);
        int big = 0;
        for (int j = 1; j < d; j++)
            big = w[j] > w[big] ? j : big;
        float sign = w[big] < 0 ? -1.0f : 1.0f;
        double lambda = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                lambda += (double)w[i] * C[(size_t)i * d + j] * w[j];
        for (int j = 0; j < d; j++)
            comps[(size_t)c * d + j] = sign * w[j];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                C[(size_t)i * d + j] -= (float)(lambda * w[i] * w[j]);
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++)
            proj[(size_t)i * 2 + c] = dotf(Xc + (size_t)i * d, comps + (size_t)c * d, d);
