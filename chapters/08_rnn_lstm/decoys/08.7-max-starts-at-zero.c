/* decoy 08.7: maximum logit started at 0 instead of z[0] */
    float m = 0;
    for (int v = 0; v < V; v++)
        m = z[v] > m ? z[v] : m;
    double s = 0;
    for (int v = 0; v < V; v++)
        s += p[v] = expf((z[v] - m) / tau);
    for (int v = 0; v < V; v++)
        p[v] = (float)(p[v] / s);
    return sample_draw(p, V, rng);
