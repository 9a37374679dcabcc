/* decoy 12.3: k rounds of "pick the largest not yet kept", so k > V keeps a symbol twice and reads past p */
    for (int i = 0; i < V; i++)
        q[i] = 0.0f;
    double kept = 0;
    for (int r = 0; r < k; r++) {
        int best = -1;
        for (int i = 0; i < V; i++)
            if (q[i] == 0.0f && (best < 0 || p[i] > p[best]))
                best = i;
        if (best < 0)
            best = V - 1;
        q[best] = p[best];
        kept += p[best];
    }
    for (int i = 0; i < V; i++)
        q[i] = (float)(q[i] / kept);
