/* decoy 12.1: dgamma sums ghat xhat (gamma included) instead of dy xhat */
    memset(dgamma, 0, (size_t)D * sizeof(float));
    memset(dbeta, 0, (size_t)D * sizeof(float));
    for (int n = 0; n < N; n++) {
        const float *g = dy + (size_t)n * D, *xr = x + (size_t)n * D;
        const float mu = mean[n], r = rstd[n];
        double sg = 0, sgx = 0;
        for (int i = 0; i < D; i++) {
            const float xh = (xr[i] - mu) * r, gh = g[i] * gamma[i];
            sg += gh, sgx += (double)gh * xh;
            dgamma[i] += gh * xh;
            dbeta[i] += g[i];
        }
        for (int i = 0; i < D; i++) {
            const float xh = (xr[i] - mu) * r;
            dx[(size_t)n * D + i] = r / D * (D * g[i] * gamma[i] - (float)sg - xh * (float)sgx);
        }
    }
