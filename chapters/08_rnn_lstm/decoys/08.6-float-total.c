/* decoy 08.6: mean accumulated in float instead of double */
    float total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float m = z[0];
        for (int v = 1; v < V; v++)
            m = z[v] > m ? z[v] : m;
        double s = 0;
        for (int v = 0; v < V; v++)
            s += exp((double)z[v] - m);
        total += (m + log(s) - z[targets[n]]) / log(2.0);
    }
    return total / N;
