/* decoy 06.7: 0.5 instead of NaN when a class is missing */
    double pos = 0, neg = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i])
            pos++, sum += rank[i];
        else
            neg++;
    }
    auc = pos > 0 && neg > 0 ? (sum - pos * (pos + 1) / 2) / (pos * neg) : 0.5;
