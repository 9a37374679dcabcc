/* decoy 06.7: P and N counted in int, P * N overflows past 46341 each */
    int pos = 0, neg = 0; double sum = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i])
            pos++, sum += rank[i];
        else
            neg++;
    }
    auc = pos > 0 && neg > 0 ? (sum - (double)pos * (pos + 1) / 2) / (double)(pos * neg) : NAN;
