/* decoy 02.4: the data read column-major, x[j*n + i] instead of x[i*d + j] */
    for (int j = 0; j < d; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += x[(size_t)j * n + i];
        double mu = sum / n;
        for (int i = 0; i < n; i++) {
            double c = x[(size_t)j * n + i] - mu;
            sq += c * c;
        }
        double sigma = sqrt(sq / n);
        mean[j] = (float)mu;
        std[j] = sigma < 1e-6 ? 1.0f : (float)sigma;
    }
