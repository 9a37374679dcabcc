/* decoy 11.4: one scale for the whole tensor (per-tensor, not per-channel) */
    float m = 0.0f;
    for (int i = 0; i < channels * per_channel; i++)
        m = fmaxf(m, fabsf(w[i]));
    for (int o = 0; o < channels; o++) {
        scales[o] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int k = 0; k < per_channel; k++)
            q[(size_t)o * per_channel + k] = quantize(w[(size_t)o * per_channel + k], scales[o], 0);
    }
