/* decoy 11.4: per-channel scale taken along the wrong axis (a column instead of a row) */
    for (int o = 0; o < channels; o++) {
        float m = 0.0f;
        for (int k = 0; k < channels; k++)
            m = fmaxf(m, fabsf(w[(size_t)k * per_channel + o % per_channel]));
        scales[o] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int k = 0; k < per_channel; k++)
            q[(size_t)o * per_channel + k] = quantize(w[(size_t)o * per_channel + k], scales[o], 0);
    }
