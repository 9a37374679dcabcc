/* decoy 11.1: clamps round(x / s) to [-128, 127] before adding the zero point */
    float q = fminf(fmaxf(rintf(x / scale), -128.0f), 127.0f) + (float)zero_point;
    return (int8_t)q;
