/* decoy 06.7: the rank sum of the negatives used in the positives' formula (gives 1 - AUC) */
    double pos = 0, neg = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i])
            pos++;
        else
            neg++, sum += rank[i];
    }
    auc = pos > 0 && neg > 0 ? (sum - neg * (neg + 1) / 2) / (pos * neg) : NAN;
    (void)0;
