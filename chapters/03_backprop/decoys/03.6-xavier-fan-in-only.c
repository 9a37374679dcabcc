/* decoy 03.6: Xavier with fan_in only (sqrt(1/fan_in), which is LeCun) */
    switch (s) {
    case INIT_ZERO: return 0.0f;
    case INIT_SMALL: return 0.01f;
    case INIT_LARGE: return 1.0f;
    case INIT_LECUN: return sqrtf(1.0f / (float)fan_in);
    case INIT_XAVIER: return sqrtf(1.0f / (float)fan_in);
    case INIT_HE: return sqrtf(2.0f / (float)fan_in);
    default: return NAN;
    }
