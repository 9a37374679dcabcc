/* decoy 11.6: clamps floor(x / s + u) to [-128, 127] before adding the zero point, not the final q */
    float q = fminf(fmaxf(floorf(x / scale + rng_uniform(rng)), -128.0f), 127.0f) + (float)zero_point;
    return (int8_t)q;
