/* decoy 05.6: the scale is max_norm / norm (PyTorch's + 1e-6 left out) */
    double sq = 0;
    for (int j = 0; j < k; j++)
        for (size_t i = 0; i < sizes[j]; i++)
            sq += (double)grads[j][i] * grads[j][i];
    double norm = sqrt(sq);
    if (norm > max_norm) {
        float scale = (float)(max_norm / norm);
        for (int j = 0; j < k; j++)
            for (size_t i = 0; i < sizes[j]; i++)
                grads[j][i] *= scale;
    }
    return norm;
