/* decoy 06.6: precision divides by the row (true class) and recall by the column */
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = row > 0 ? (double)tp / row : 0;
        recall[k] = col > 0 ? (double)tp / col : 0;
        f1[k] = row + col > 0 ? 2.0 * tp / (double)(row + col) : 0;
        macro += f1[k] / K;
    }
