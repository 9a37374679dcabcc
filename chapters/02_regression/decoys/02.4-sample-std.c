/* decoy 02.4: the sample standard deviation (divide by N - 1) instead of the population one */
    for (int j = 0; j < d; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += x[(size_t)i * d + j];
        double mu = sum / n;
        for (int i = 0; i < n; i++) {
            double c = x[(size_t)i * d + j] - mu;
            sq += c * c;
        }
        double sigma = sqrt(sq / (n - 1));
        mean[j] = (float)mu;
        std[j] = sigma < 1e-6 ? 1.0f : (float)sigma;
    }
