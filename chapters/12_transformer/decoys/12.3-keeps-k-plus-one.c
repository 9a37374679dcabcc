/* decoy 12.3: top-k off by one (keeps k + 1 symbols) */
    double kept = 0;
    for (int i = 0; i < V; i++) {
        int above = 0;
        for (int j = 0; j < V; j++)
            above += p[j] > p[i] || (p[j] == p[i] && j < i);
        q[i] = above <= k ? p[i] : 0.0f;
        kept += q[i];
    }
    for (int i = 0; i < V; i++)
        q[i] = (float)(q[i] / kept);
