/* decoy 11.8: keeps the smallest magnitudes instead of the largest */
    const size_t keep = (size_t)lround((1.0 - (double)sparsity) * (double)n);
    for (size_t i = 0; i < n; i++)
        mask[i] = 0.0f, scratch[i] = fabsf(w[i]);
    if (keep > 0) {
        qsort(scratch, n, sizeof(float), compare_floats);
        const float t = scratch[keep - 1];
        size_t below = 0;
        for (size_t i = 0; i < n; i++)
            below += fabsf(w[i]) < t;
        size_t ties = keep - below;
        for (size_t i = 0; i < n; i++) {
            const float a = fabsf(w[i]);
            if (a < t)
                mask[i] = 1.0f;
            else if (a == t && ties > 0)
                mask[i] = 1.0f, ties--;
        }
    }
