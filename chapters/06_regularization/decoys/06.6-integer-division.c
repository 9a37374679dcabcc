/* decoy 06.6: TP / (TP + FP) in long arithmetic (truncated to 0 or 1) */
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = col > 0 ? tp / col : 0;
        recall[k] = row > 0 ? tp / row : 0;
        f1[k] = row + col > 0 ? 2 * tp / (row + col) : 0; /* 2TP + FP + FN = row + col */
        macro += f1[k] / K;
    }
