/* decoy 03.1: relu' and leaky relu' take the slope 1 at x = 0 (>= instead of >) */
    switch (k) {
    case ACT_STEP:
        return 0.0f;
    case ACT_SIGMOID: {
        float s = sigmoid1(x);
        return s * (1.0f - s);
    }
    case ACT_TANH: {
        float t = tanhf(x);
        return 1.0f - t * t;
    }
    case ACT_RELU:
        return x >= 0 ? 1.0f : 0.0f;
    case ACT_LEAKY_RELU:
        return x >= 0 ? 1.0f : LEAKY_SLOPE;
    default:
        return NAN;
    }
