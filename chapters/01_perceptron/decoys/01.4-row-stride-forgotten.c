/* decoy 01.4: example i taken at ds->x + i (the row length d forgotten) */
    int mistakes = 0;
    for (int k = 0; k < ds->n; k++) {
        int i = order[k];
        mistakes += perceptron_update(p, ds->x + i, signed_label(ds->y[i]), lr);
    }
    return mistakes;
