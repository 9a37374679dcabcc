/* decoy 09.1: an undirected edge stored in one direction only */
    for (long i = 0; i < e->count; i++)
        g->offsets[e->src[i] + 1]++;
    for (int v = 0; v < e->n; v++)
        g->offsets[v + 1] += g->offsets[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->offsets[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->src[i], v = e->dst[i];
        g->targets[next[u]] = v, g->weights[next[u]++] = e->w[i];
    }
