/* decoy 11.1: no clamping to [-128, 127]: the int8_t conversion wraps around */
    int q = (int)rintf(x / scale) + zero_point;
    return (int8_t)q;
