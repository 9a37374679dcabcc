/* decoy 09.5: ties given consecutive ranks in sort order instead of their average */
    double rank_sum = 0, P = 0;
    for (int i = 0; i < n; i++)
        if (labels[order[i]] == 1)
            rank_sum += i + 1, P++;
    double N = n - P;
    return (rank_sum - P * (P + 1) / 2) / (P * N);
