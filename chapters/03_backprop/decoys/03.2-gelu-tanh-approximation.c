/* decoy 03.2: gelu' of the tanh approximation instead of the exact x Phi(x) */
    switch (k) {
    case ACT_ELU:
        return x > 0 ? 1.0f : ELU_ALPHA * expf(x);
    case ACT_SOFTPLUS:
        return sigmoid1(x);
    case ACT_GELU: {
        const float c = 0.7978845608f, u = c * (x + 0.044715f * x * x * x), t = tanhf(u);
        return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * x * x);
    }
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
