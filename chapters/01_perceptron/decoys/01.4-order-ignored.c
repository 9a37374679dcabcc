/* decoy 01.4: the shuffled order is ignored (example k instead of order[k]) */
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++)
        mistakes += perceptron_update(p, ds->x + (size_t)k * ds->d, signed_label(ds->y[k]), lr);
    return mistakes;
