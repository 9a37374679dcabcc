/* decoy 02.4: a constant column keeps std 0 (no sigma < 1e-6 -> 1 guard) */
    for (int j = 0; j < d; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += x[(size_t)i * d + j];
        double mu = sum / n;
        for (int i = 0; i < n; i++) {
            double c = x[(size_t)i * d + j] - mu;
            sq += c * c;
        }
        mean[j] = (float)mu;
        std[j] = (float)sqrt(sq / n);
    }
