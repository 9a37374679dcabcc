/* decoy 06.7: subtracts pos (pos - 1) / 2 as if the ranks started at 0 */
    double pos = 0, neg = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        if (labels[i])
            pos++, sum += rank[i];
        else
            neg++;
    }
    auc = pos > 0 && neg > 0 ? (sum - pos * (pos - 1) / 2) / (pos * neg) : NAN;
