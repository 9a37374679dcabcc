/* decoy 04.5: the walk runs over the node ids count-1 .. 0, not over order[count-1 .. 0] */
    char *visited = nn_calloc((size_t)t->n, 1);
    int *order = nn_malloc((size_t)t->n * sizeof(int)), count = 0;
    topo_visit(t, loss.id, visited, order, &count);
    for (int k = 0; k < count; k++)
        ag_grad_accum(t, &t->nodes[order[k]]);
    ag_node_of(loss)->grad[0] += 1.0f;
    for (int k = count - 1; k >= 0; k--) {
        ag_node_t *n = &t->nodes[k];
        if (n->backward && n->grad)
            n->backward(t, n);
    }
    free(visited);
    free(order);
