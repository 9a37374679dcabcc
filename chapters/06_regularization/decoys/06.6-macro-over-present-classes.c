/* decoy 06.6: macro F1 averaged over classes that appear only */
    int present = 0;
    for (int k = 0; k < K; k++) {
        long tp = cm[(size_t)k * K + k], col = 0, row = 0;
        for (int j = 0; j < K; j++)
            col += cm[(size_t)j * K + k], row += cm[(size_t)k * K + j];
        precision[k] = col > 0 ? (double)tp / col : 0;
        recall[k] = row > 0 ? (double)tp / row : 0;
        f1[k] = row + col > 0 ? 2.0 * tp / (double)(row + col) : 0;
        macro += f1[k];
        present += row > 0;
    }
    macro /= present > 0 ? present : 1;
