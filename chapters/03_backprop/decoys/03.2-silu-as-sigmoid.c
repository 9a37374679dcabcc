/* decoy 03.2: silu' = sigmoid(x) (the derivative of the sigmoid factor forgotten) */
    switch (k) {
    case ACT_ELU:
        return x > 0 ? 1.0f : ELU_ALPHA * expf(x);
    case ACT_SOFTPLUS:
        return sigmoid1(x);
    case ACT_GELU:
        return (float)(stats_normal_cdf(x) + x * stats_normal_pdf(x));
    case ACT_SILU:
        return sigmoid1(x);
    case ACT_MISH: {
        float t = tanhf(softplus1(x));
        return t + x * sigmoid1(x) * (1.0f - t * t);
    }
    default:
        return NAN;
    }
