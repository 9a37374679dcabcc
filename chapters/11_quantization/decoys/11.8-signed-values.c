/* decoy 11.8: ranks the signed weights w instead of their magnitudes |w| */
    const size_t keep = (size_t)lround((1.0 - (double)sparsity) * (double)n);
    for (size_t i = 0; i < n; i++)
        mask[i] = 0.0f, scratch[i] = w[i];
    if (keep > 0) {
        qsort(scratch, n, sizeof(float), compare_floats);
        const float t = scratch[n - keep];
        size_t above = 0;
        for (size_t i = 0; i < n; i++)
            above += w[i] > t;
        size_t ties = keep - above;
        for (size_t i = 0; i < n; i++) {
            if (w[i] > t)
                mask[i] = 1.0f;
            else if (w[i] == t && ties > 0)
                mask[i] = 1.0f, ties--;
        }
    }
