/* decoy 06.7: the loop stops at n - 1 */
    double pos = 0, neg = 0, sum = 0;
    for (int i = 0; i < n - 1; i++) {
        if (labels[i])
            pos++, sum += rank[i];
        else
            neg++;
    }
    auc = pos > 0 && neg > 0 ? (sum - pos * (pos + 1) / 2) / (pos * neg) : NAN;
