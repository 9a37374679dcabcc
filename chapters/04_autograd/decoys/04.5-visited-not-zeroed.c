/* decoy 04.5: the visited marks come from malloc, not zeroed */
    char *visited = nn_malloc((size_t)t->n);
    int *order = nn_malloc((size_t)t->n * sizeof(int)), count = 0;
    topo_visit(t, loss.id, visited, order, &count);
    for (int k = 0; k < count; k++)
        ag_grad_accum(t, &t->nodes[order[k]]);
    ag_node_of(loss)->grad[0] += 1.0f;
    for (int k = count - 1; k >= 0; k--) {
        ag_node_t *n = &t->nodes[order[k]];
        if (n->backward)
            n->backward(t, n);
    }
    free(visited);
    free(order);
