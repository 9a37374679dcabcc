/* decoy 05.6: the squared norm compared with max_norm (the square root forgotten in the test) */
    double sq = 0;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < sizes[j]; i++)
            sq += (double)grads[j][i] * grads[j][i];
    double norm = sqrt(sq);
    if (sq > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int j = 0; j < k; j++)
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
    }
    return norm;
