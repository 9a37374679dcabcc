/* decoy 05.7: a static flag copies p into the shadow on the first call (state kept between calls) */
    static int started = 0;
    if (!started) {
        for (size_t i = 0; i < n; i++)
            shadow[i] = p[i];
        started = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        shadow[i] = decay * shadow[i] + (1.0f - decay) * p[i];
