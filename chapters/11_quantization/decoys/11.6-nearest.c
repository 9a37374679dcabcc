/* decoy 11.6: rounds to nearest (no randomness): biased for values below half a step */
    (void)rng;
    float q = rintf(x / scale) + (float)zero_point;
    return (int8_t)fminf(fmaxf(q, -128.0f), 127.0f);
