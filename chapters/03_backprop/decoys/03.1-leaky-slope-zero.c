/* decoy 03.1: leaky relu' is 0 for x < 0, like relu (the leak forgotten) */
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
    case ACT_LEAKY_RELU:
        return x > 0 ? 1.0f : 0.0f;
    default:
        return NAN;
    }
