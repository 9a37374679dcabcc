/* decoy 03.1: the table's y-forms applied to x (sigmoid' = x(1 - x), tanh' = 1 - x^2) */
    switch (k) {
    case ACT_STEP:
        return 0.0f;
    case ACT_SIGMOID:
        return x * (1.0f - x);
    case ACT_TANH:
        return 1.0f - x * x;
    case ACT_RELU:
        return x > 0 ? 1.0f : 0.0f;
    case ACT_LEAKY_RELU:
        return x > 0 ? 1.0f : LEAKY_SLOPE;
    default:
        return NAN;
    }
