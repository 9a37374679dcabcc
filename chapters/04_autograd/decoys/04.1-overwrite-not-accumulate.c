/* decoy 04.1: the gradients are overwritten (=) instead of accumulated (+=) */
    for (size_t i = 0; i < n; i++) {
        if (da)
            da[i] = g[i] * b[i];
        if (db)
            db[i] = g[i] * a[i];
    }
