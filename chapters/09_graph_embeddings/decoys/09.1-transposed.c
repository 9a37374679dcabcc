/* decoy 09.1: directed arcs filed under their target (in-neighbours, CSC instead of CSR) */
    for (long i = 0; i < e->count; i++) {
        g->row_ptr[e->dst[i] + 1]++;
        if (undirected && e->src[i] != e->dst[i])
            g->row_ptr[e->src[i] + 1]++;
    }
    for (int v = 0; v < e->n; v++)
        g->row_ptr[v + 1] += g->row_ptr[v];
    for (int v = 0; v < e->n; v++)
        next[v] = g->row_ptr[v];
    for (long i = 0; i < e->count; i++) {
        int u = e->dst[i], v = e->src[i];
        g->col[next[u]] = v, g->w[next[u]++] = e->w[i];
        if (undirected && u != v)
            g->col[next[v]] = u, g->w[next[v]++] = e->w[i];
    }
