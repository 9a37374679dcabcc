/* decoy 06.1: kept units multiplied by (1 - p) instead of divided by it */
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) < p ? 0.0f : 1.0f - p;
        y[i] = mask[i] * x[i];
    }
