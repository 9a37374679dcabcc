/* decoy 04.4: the node is placed before its inputs (pre-order instead of post-order) */
    if (visited[id])
        return;
    visited[id] = 1;
    order[(*count)++] = id;
    const ag_node_t *n = &t->nodes[id];
    for (int k = 0; k < n->n_in; k++)
        topo_visit(t, n->in[k], visited, order, count);
