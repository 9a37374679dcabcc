/* decoy 09.1: an undirected edge stored in one direction only */
    for (long i = 0; i < e->count; i++)
        g->row_ptr[e->src[i] + 1]++;
    for (int v = 0; v < e->n; v++)
        g->row_ptr[v + 1] += g->row_ptr[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->row_ptr[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->src[i], v = e->dst[i];
        g->col[next[u]] = v, g->w[next[u]++] = e->w[i];
    }
