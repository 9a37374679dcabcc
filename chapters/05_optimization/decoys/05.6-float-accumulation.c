/* decoy 05.6: the sum of squares accumulated in float, not double */
    float sq = 0;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < sizes[j]; i++)
            sq += grads[j][i] * grads[j][i];
    double norm = sqrt(sq);
    if (norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int j = 0; j < k; j++)
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
    }
    return norm;
