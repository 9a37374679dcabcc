/* decoy 01.4: off by one, the last example of the order is never visited */
    int mistakes = 0;
    for (int k = 0; k < ds->n - 1; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + (size_t)i * ds->d, signed_label(ds->y[i]), lr);
    }
    return mistakes;
