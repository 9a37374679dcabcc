/* decoy 09.2: the edge between prev and x looked up as x -> prev */
    long a = g->row_ptr[cur], d = graph_degree(g, cur);
    double total = 0;
    for (long i = 0; i < d; i++) {
        int x = g->col[a + i];
        double alpha = prev < 0 ? 1.0 : x == prev ? 1.0 / p : graph_has_edge(g, x, prev) ? 1.0 : 1.0 / q;
        prob[i] = (float)(alpha * g->w[a + i]);
        total += prob[i];
    }
    for (long i = 0; i < d; i++)
        prob[i] = (float)(prob[i] / total);
