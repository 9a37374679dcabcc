/* decoy 04.4: the loop over the inputs runs to k <= n_in (visits in[n_in], node 0, too) */
    if (visited[id])
        return;
    visited[id] = 1;
    const ag_node_t *n = &t->nodes[id];
    for (int k = 0; k <= n->n_in && k < AG_MAX_INPUTS; k++)
        topo_visit(t, n->in[k], visited, order, count);
    order[(*count)++] = id;
