/* decoy 11.4: a row of zeros gets scale 1 but its q is never written */
    for (int o = 0; o < channels; o++) {
        const float *row = w + (size_t)o * per_channel;
        float m = 0.0f;
        for (int k = 0; k < per_channel; k++)
            m = fmaxf(m, fabsf(row[k]));
        if (m == 0.0f) {
            scales[o] = 1.0f;
            continue;
        }
        scales[o] = m / 127.0f;
        for (int k = 0; k < per_channel; k++)
            q[(size_t)o * per_channel + k] = quantize(row[k], scales[o], 0);
    }
