/* decoy 09.2: the weights alpha * a_vx returned without dividing by their sum */
    long a = g->row_ptr[cur], d = graph_degree(g, cur);
    for (long i = 0; i < d; i++) {
        int x = g->col[a + i];
        double alpha = prev < 0 ? 1.0 : x == prev ? 1.0 / p : graph_has_edge(g, prev, x) ? 1.0 : 1.0 / q;
        prob[i] = (float)(alpha * g->w[a + i]);
    }
