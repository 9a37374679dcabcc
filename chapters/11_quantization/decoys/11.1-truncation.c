/* decoy 11.1: truncation (a cast) instead of rounding to nearest */
    int q = (int)(x / scale) + zero_point;
    if (q < -128)
        q = -128;
    if (q > 127)
        q = 127;
    return (int8_t)q;
