/* decoy 06.1: the kept units are not rescaled by 1/(1-p) (plain dropout) */
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) < p ? 0.0f : 1.0f;
        y[i] = mask[i] * x[i];
    }
