/* decoy 09.1: directed arcs filed under their target (in-neighbours, CSC instead of CSR) */
    for (long i = 0; i < e->count; i++) {
        g->offsets[e->dst[i] + 1]++;
        if (undirected && e->src[i] != e->dst[i])
            g->offsets[e->src[i] + 1]++;
    }
    for (int v = 0; v < e->n; v++)
        g->offsets[v + 1] += g->offsets[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->offsets[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->dst[i], v = e->src[i];
        g->targets[next[u]] = v, g->weights[next[u]++] = e->w[i];
        if (undirected && u != v)
            g->targets[next[v]] = u, g->weights[next[v]++] = e->w[i];
    }
