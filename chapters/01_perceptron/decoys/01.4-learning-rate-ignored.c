/* decoy 01.4: the epoch's learning rate is not passed on (always 1) */
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + (size_t)i * ds->d, signed_label(ds->y[i]), 1.0f);
    }
    return mistakes;
