/* decoy 11.8: off-by-one count: removes round(s n) weights instead of keeping round((1 - s) n) */
    const size_t keep = n - (size_t)lround((double)sparsity * (double)n);
    for (size_t i = 0; i < n; i++)
        mask[i] = 0.0f, scratch[i] = fabsf(w[i]);
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
