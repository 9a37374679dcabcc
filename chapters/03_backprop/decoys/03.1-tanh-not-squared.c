/* decoy 03.1: tanh' = 1 - tanh (the square forgotten) */
    switch (k) {
    case ACT_STEP:
        return 0.0f;
    case ACT_SIGMOID: {
        float s = sigmoid1(x);
        return s * (1.0f - s);
    }
    case ACT_TANH:
        return 1.0f - tanhf(x);
    case ACT_RELU:
        return x > 0 ? 1.0f : 0.0f;
    case ACT_LEAKY_RELU:
        return x > 0 ? 1.0f : LEAKY_SLOPE;
    default:
        return NAN;
    }
