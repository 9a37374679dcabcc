/* decoy 08.7: no maximum subtracted: exp(z / tau) overflows at small temperatures */
    float s = 0;
    for (int v = 0; v < V; v++)
        s += p[v] = expf(z[v] / tau);
    for (int v = 0; v < V; v++)
        p[v] = p[v] / s;
    return sample_draw(p, V, rng);
