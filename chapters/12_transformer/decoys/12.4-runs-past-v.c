/* decoy 12.4: the accumulation loop is not bounded by V: a sum that stays below top_p reads order[V] */
    for (int i = 0; i < V; i++) {
        int j = i;
        while (j > 0 && p[order[j - 1]] < p[i])
            order[j] = order[j - 1], j--;
        order[j] = i;
    }
    double cum = 0;
    int kept = 0;
    while (kept == 0 || cum < top_p)
        cum += p[order[kept++]];
    for (int i = 0; i < V; i++)
        q[i] = 0.0f;
    for (int r = 0; r < kept; r++)
        q[order[r]] = (float)(p[order[r]] / cum);
