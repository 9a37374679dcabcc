/* decoy 11.4: the row maximum starts at row[0] itself, not |row[0]|: a negative first weight that is the largest in size is missed */
    for (int o = 0; o < channels; o++) {
        const float *row = w + (size_t)o * per_channel;
        float m = row[0];
        for (int k = 1; k < per_channel; k++)
            m = fmaxf(m, fabsf(row[k]));
        scales[o] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int k = 0; k < per_channel; k++)
            q[(size_t)o * per_channel + k] = quantize(row[k], scales[o], 0);
    }
