/* decoy 06.6: macro F1 as the F1 of the macro precision and recall (not the mean of the F1s) */
    double mp = 0, mr = 0;
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = col > 0 ? (double)tp / col : 0;
        recall[k] = row > 0 ? (double)tp / row : 0;
        f1[k] = row + col > 0 ? 2.0 * tp / (double)(row + col) : 0;
        mp += precision[k] / K, mr += recall[k] / K;
    }
    macro = mp + mr > 0 ? 2 * mp * mr / (mp + mr) : 0;
