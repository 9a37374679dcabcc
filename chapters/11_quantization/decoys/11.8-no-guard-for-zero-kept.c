/* decoy 11.8: no case for k = 0: the threshold is read from scratch[n], one past the sorted magnitudes */
    const size_t keep = (size_t)lround((1.0 - (double)sparsity) * (double)n);
    for (size_t i = 0; i < n; i++)
        mask[i] = 0.0f, scratch[i] = fabsf(w[i]);
    qsort(scratch, n, sizeof(float), compare_floats);
    const float t = scratch[n - keep]; /* the keep-th largest magnitude */
    size_t above = 0;
    for (size_t i = 0; i < n; i++)
        above += fabsf(w[i]) > t;
    size_t ties = keep - above;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(w[i]);
        if (a > t)
            mask[i] = 1.0f;
        else if (a == t && ties > 0)
            mask[i] = 1.0f, ties--;
    }
