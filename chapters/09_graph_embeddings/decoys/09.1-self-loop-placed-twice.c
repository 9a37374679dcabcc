/* decoy 09.1: an undirected self loop counted once but placed twice (overruns into the next list) */
    for (long i = 0; i < e->count; i++) {
        g->row_ptr[e->src[i] + 1]++;
        if (undirected && e->src[i] != e->dst[i])
            g->row_ptr[e->dst[i] + 1]++;
    }
    for (int v = 0; v < e->n; v++)
        g->row_ptr[v + 1] += g->row_ptr[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->row_ptr[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->src[i], v = e->dst[i];
        g->col[next[u]] = v, g->w[next[u]++] = e->w[i];
        if (undirected)
            g->col[next[v]] = u, g->w[next[v]++] = e->w[i];
    }
