/* decoy 03.6: the variance returned instead of the standard deviation (no square root) */
    switch (s) {
    case INIT_ZERO: return 0.0f;
    case INIT_SMALL: return 0.01f;
    case INIT_LARGE: return 1.0f;
    case INIT_LECUN: return 1.0f / (float)fan_in;
    case INIT_XAVIER: return 2.0f / (float)(fan_in + fan_out);
    case INIT_HE: return 2.0f / (float)fan_in;
    default: return NAN;
    }
