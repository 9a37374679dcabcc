/* decoy 08.6: p_y computed first and its log taken: 0 (log 0 = -inf) for a target far below the maximum */
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float m = z[0];
        for (int v = 1; v < V; v++)
            m = z[v] > m ? z[v] : m;
        double s = 0;
        for (int v = 0; v < V; v++)
            s += exp((double)z[v] - m);
        total += -log2(exp((double)z[targets[n]] - m) / s);
    }
    return total / N;
