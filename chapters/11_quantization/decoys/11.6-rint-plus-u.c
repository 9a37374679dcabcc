/* decoy 11.6: rintf(v + u) instead of floorf(v + u): biased upwards by half a step */
    float q = rintf(x / scale + rng_uniform(rng)) + (float)zero_point;
    return (int8_t)fminf(fmaxf(q, -128.0f), 127.0f);
