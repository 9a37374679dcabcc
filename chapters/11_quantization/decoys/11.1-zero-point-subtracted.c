/* decoy 11.1: zero point applied with the wrong sign (subtracted) */
    float q = rintf(x / scale) - (float)zero_point;
    if (q < -128.0f)
        q = -128.0f;
    if (q > 127.0f)
        q = 127.0f;
    return (int8_t)q;
