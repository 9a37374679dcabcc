/* decoy 11.2: q - z computed in int8_t, which wraps around */
    return scale * (float)(int8_t)(q - zero_point);
