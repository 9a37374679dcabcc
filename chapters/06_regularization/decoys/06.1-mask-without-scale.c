/* decoy 06.1: the mask stored as 0/1, the 1/(1-p) applied only to y */
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) < p ? 0.0f : 1.0f;
        y[i] = mask[i] * keep * x[i];
    }
