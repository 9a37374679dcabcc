/* decoy 06.1: p used as the keep probability (drops when u >= p) */
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) >= p ? 0.0f : keep;
        y[i] = mask[i] * x[i];
    }
