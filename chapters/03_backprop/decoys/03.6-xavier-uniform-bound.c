/* decoy 03.6: Xavier returns the uniform's bound sqrt(6 / (fan_in + fan_out)), not the std */
    switch (s) {
    case INIT_ZERO: return 0.0f;
    case INIT_SMALL: return 0.01f;
    case INIT_LARGE: return 1.0f;
    case INIT_LECUN: return sqrtf(1.0f / (float)fan_in);
    case INIT_XAVIER: return sqrtf(6.0f / (float)(fan_in + fan_out));
    case INIT_HE: return sqrtf(2.0f / (float)fan_in);
    default: return NAN;
    }
