/* decoy 04.4: visited is tested but never set (a shared node is placed once per path) */
    if (visited[id])
        return;
    const ag_node_t *n = &t->nodes[id];
    for (int k = 0; k < n->n_in; k++)
        topo_visit(t, n->in[k], visited, order, count);
    if (*count < t->n)
        order[(*count)++] = id;
