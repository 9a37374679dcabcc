/* decoy 06.6: F1 as the arithmetic mean of precision and recall (not the harmonic) */
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = col > 0 ? (double)tp / col : 0;
        recall[k] = row > 0 ? (double)tp / row : 0;
        f1[k] = (precision[k] + recall[k]) / 2;
        macro += f1[k] / K;
    }
