/* decoy 08.6: no stabilization: exp of the raw logits overflows for large ones */
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        float s = 0;
        for (int v = 0; v < V; v++)
            s += expf(z[v]);
        total += (logf(s) - z[targets[n]]) / log(2.0);
    }
    return total / N;
