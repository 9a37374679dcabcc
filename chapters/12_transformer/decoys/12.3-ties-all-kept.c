/* decoy 12.3: keeps every symbol whose p is at least the k-th largest: too many on ties */
    double kept = 0;
    for (int i = 0; i < V; i++) {
        int above = 0;
        for (int j = 0; j < V; j++)
            above += p[j] > p[i];
        q[i] = above < k ? p[i] : 0.0f;
        kept += q[i];
    }
    for (int i = 0; i < V; i++)
        q[i] = (float)(q[i] / kept);
