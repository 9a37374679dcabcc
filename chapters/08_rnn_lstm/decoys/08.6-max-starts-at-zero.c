/* decoy 08.6: row maximum started at 0 instead of the first logit */
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float m = 0;
        for (int v = 0; v < V; v++)
            m = z[v] > m ? z[v] : m;
        double s = 0;
        for (int v = 0; v < V; v++)
            s += exp((double)z[v] - m);
        total += (m + log(s) - z[targets[n]]) / log(2.0);
    }
    return total / N;
