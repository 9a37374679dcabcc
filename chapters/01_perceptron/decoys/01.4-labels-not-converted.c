/* decoy 01.4: the 0/1 labels are not converted to -1/+1 */
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + (size_t)i * ds->d, ds->y[i], lr);
    }
    return mistakes;
