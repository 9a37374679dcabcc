/* decoy 11.7: the input's zero point is not subtracted */
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            int32_t acc = 0;
            for (int k = 0; k < K; k++)
                acc += (int32_t)qa[(size_t)i * K + k] * (int32_t)qw[(size_t)o * K + k];
            y[(size_t)i * O + o] = pa.scale * sw[o] * (float)acc + b[o];
        }
