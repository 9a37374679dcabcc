/* decoy 11.7: the sum accumulated in a float instead of an int32_t */
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            float acc = 0;
            for (int k = 0; k < K; k++)
                acc += (float)(((int32_t)qa[(size_t)i * K + k] - pa.zero_point) * (int32_t)qw[(size_t)o * K + k]);
            y[(size_t)i * O + o] = pa.scale * sw[o] * acc + b[o];
        }
