/* decoy 05.6: each tensor clipped by its own norm instead of the global one */
    double total = 0;
    for (int j = 0; j < k; j++) {
        double sq = 0;
        for (size_t i = 0; i < sizes[j]; i++)
            sq += (double)grads[j][i] * grads[j][i];
        total += sq;
        double norm = sqrt(sq);
        if (norm > max_norm) {
            float scale = (float)(max_norm / (norm + 1e-6));
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
        }
    }
    return sqrt(total);
