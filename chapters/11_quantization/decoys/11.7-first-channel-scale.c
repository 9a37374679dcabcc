/* decoy 11.7: every output uses the first channel's scale sw[0] */
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            int32_t acc = 0;
            for (int k = 0; k < K; k++)
                acc += ((int32_t)qa[(size_t)i * K + k] - pa.zero_point) * (int32_t)qw[(size_t)o * K + k];
            y[(size_t)i * O + o] = pa.scale * sw[0] * (float)acc + b[o];
        }
