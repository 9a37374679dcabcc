/* decoy 12.4: q is not zeroed outside the nucleus */
    for (int i = 0; i < V; i++) {
        int j = i;
        while (j > 0 && p[order[j - 1]] < p[i])
            order[j] = order[j - 1], j--;
        order[j] = i;
    }
    double cum = 0;
    int kept = 0;
    while (kept < V && (kept == 0 || cum < top_p))
        cum += p[order[kept++]];
    for (int r = 0; r < kept; r++)
        q[order[r]] = (float)(p[order[r]] / cum);
