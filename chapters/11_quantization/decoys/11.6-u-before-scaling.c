/* decoy 11.6: u added to x before the division by s, floor((x + u) / s): u in units of x, not of a step */
    float q = floorf((x + rng_uniform(rng)) / scale) + (float)zero_point;
    return (int8_t)fminf(fmaxf(q, -128.0f), 127.0f);
