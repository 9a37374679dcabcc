/* decoy 04.1: each input's gradient multiplied by itself instead of by the other factor */
    for (size_t i = 0; i < n; i++) {
        if (da)
            da[i] += g[i] * a[i];
        if (db)
            db[i] += g[i] * b[i];
    }
