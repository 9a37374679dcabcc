/* decoy 09.5: midrank computed in integer division (the half of a tie lost) */
    double rank_sum = 0, P = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            j++;
        double midrank = (i + 1 + j + 1) / 2;
        for (int t = i; t <= j; t++)
            if (labels[order[t]] == 1)
                rank_sum += midrank, P++;
        i = j + 1;
    }
    double N = n - P;
    return (rank_sum - P * (P + 1) / 2) / (P * N);
