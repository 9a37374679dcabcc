/* decoy 11.1: ties rounded away from zero (roundf) instead of to even */
    float q = roundf(x / scale) + (float)zero_point;
    if (q < -128.0f)
        q = -128.0f;
    if (q > 127.0f)
        q = 127.0f;
    return (int8_t)q;
