/* decoy 11.7: dequantizes each term and sums the floats (no integer accumulation) */
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            float acc = b[o];
            for (int k = 0; k < K; k++)
                acc += pa.scale * (float)((int32_t)qa[(size_t)i * K + k] - pa.zero_point) * sw[o] * (float)qw[(size_t)o * K + k];
            y[(size_t)i * O + o] = acc;
        }
