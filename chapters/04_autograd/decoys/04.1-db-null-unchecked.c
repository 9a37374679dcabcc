/* decoy 04.1: only da is tested for NULL (db = NULL is written through) */
    for (size_t i = 0; i < n; i++) {
        if (da)
            da[i] += g[i] * b[i];
        db[i] += g[i] * a[i];
    }
