/* decoy 02.4: the 1e-6 threshold tested on the variance, not the std */
    for (int j = 0; j < d; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += x[(size_t)i * d + j];
        double mu = sum / n;
        for (int i = 0; i < n; i++) {
            double c = x[(size_t)i * d + j] - mu;
            sq += c * c;
        }
        double sigma = sqrt(sq / n);
        mean[j] = (float)mu;
        std[j] = sq / n < 1e-6 ? 1.0f : (float)sigma;
    }
