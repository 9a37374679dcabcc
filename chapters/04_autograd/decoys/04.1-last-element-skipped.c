/* decoy 04.1: the loop stops one short (i + 1 < n) */
    for (size_t i = 0; i + 1 < n; i++) {
        if (da)
            da[i] += g[i] * b[i];
        if (db)
            db[i] += g[i] * a[i];
    }
