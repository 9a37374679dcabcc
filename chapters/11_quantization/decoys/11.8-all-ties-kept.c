/* decoy 11.8: keeps every weight at the threshold (|w| >= t): too many on ties */
    const size_t keep = (size_t)lround((1.0 - (double)sparsity) * (double)n);
    for (size_t i = 0; i < n; i++)
        mask[i] = 0.0f, scratch[i] = fabsf(w[i]);
    if (keep > 0) {
        qsort(scratch, n, sizeof(float), compare_floats);
        const float t = scratch[n - keep];
        for (size_t i = 0; i < n; i++)
            mask[i] = fabsf(w[i]) >= t ? 1.0f : 0.0f;
    }
