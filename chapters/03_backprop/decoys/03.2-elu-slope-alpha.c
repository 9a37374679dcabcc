/* decoy 03.2: elu' = alpha for x <= 0 (the exp(x) forgotten) */
    switch (k) {
    case ACT_ELU:
        return x > 0 ? 1.0f : ELU_ALPHA;
    case ACT_SOFTPLUS:
        return sigmoid1(x);
    case ACT_GELU:
        return (float)(stats_normal_cdf(x) + x * stats_normal_pdf(x));
    case ACT_SILU: {
        float s = sigmoid1(x);
        return s * (1.0f + x * (1.0f - s));
    }
    case ACT_MISH: {
        float t = tanhf(softplus1(x));
        return t + x * sigmoid1(x) * (1.0f - t * t);
    }
    default:
        return NAN;
    }
