/* decoy 03.2: gelu' = Phi(x) only (the product rule's x phi(x) term forgotten) */
    switch (k) {
    case ACT_ELU:
        return x > 0 ? 1.0f : ELU_ALPHA * expf(x);
    case ACT_SOFTPLUS:
        return sigmoid1(x);
    case ACT_GELU:
        return (float)stats_normal_cdf(x);
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
