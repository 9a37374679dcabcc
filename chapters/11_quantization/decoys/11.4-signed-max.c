/* decoy 11.4: the row's largest signed weight instead of its largest |w| */
    for (int o = 0; o < channels; o++) {
        const float *row = w + (size_t)o * per_channel;
        float m = 0.0f;
        for (int k = 0; k < per_channel; k++)
            m = fmaxf(m, row[k]);
        scales[o] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int k = 0; k < per_channel; k++)
            q[(size_t)o * per_channel + k] = quantize(row[k], scales[o], 0);
    }
