/* decoy 11.7: int32 accumulation overflow: the sum is kept in an int16_t */
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            int16_t acc = 0;
            for (int k = 0; k < K; k++)
                acc = (int16_t)(acc + ((int32_t)qa[(size_t)i * K + k] - pa.zero_point) * (int32_t)qw[(size_t)o * K + k]);
            y[(size_t)i * O + o] = pa.scale * sw[o] * (float)acc + b[o];
        }
