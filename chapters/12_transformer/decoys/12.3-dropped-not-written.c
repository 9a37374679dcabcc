/* decoy 12.3: only the kept entries of q are written; the dropped ones are not set to 0 */
    double kept = 0;
    for (int i = 0; i < V; i++) {
        int above = 0;
        for (int j = 0; j < V; j++)
            above += p[j] > p[i] || (p[j] == p[i] && j < i);
        if (above < k) {
            q[i] = p[i];
            kept += q[i];
        }
    }
    for (int i = 0; i < V; i++)
        q[i] = (float)(q[i] / kept);
