/* decoy 11.8: only the kept entries are written; the mask is not cleared first */
    const size_t keep = (size_t)lround((1.0 - (double)sparsity) * (double)n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabsf(w[i]);
    if (keep > 0) {
        qsort(scratch, n, sizeof(float), compare_floats);
        const float t = scratch[n - keep];
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
    }
