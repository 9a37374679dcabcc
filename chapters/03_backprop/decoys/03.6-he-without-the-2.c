/* decoy 03.6: He without the factor 2 for the half of relu's inputs that are cut */
    switch (s) {
    case INIT_ZERO: return 0.0f;
    case INIT_SMALL: return 0.01f;
    case INIT_LARGE: return 1.0f;
    case INIT_LECUN: return sqrtf(1.0f / (float)fan_in);
    case INIT_XAVIER: return sqrtf(2.0f / (float)(fan_in + fan_out));
    case INIT_HE: return sqrtf(1.0f / (float)fan_in);
    default: return NAN;
    }
