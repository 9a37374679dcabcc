/* decoy 07.8: w1 read as (R, C) instead of (C, R) */
    float z[EX_MAX_CHANNELS], h[EX_MAX_CHANNELS];
    for (int c = 0; c < C; c++) {
        float sum = 0;
        for (int q = 0; q < S; q++)
            sum += x[c * S + q];
        z[c] = sum / (float)S;
    }
    for (int r = 0; r < R; r++) {
        float a = b1[r];
        for (int c = 0; c < C; c++)
            a += z[c] * w1[r * C + c];
        h[r] = a > 0 ? a : 0;
    }
    for (int c = 0; c < C; c++) {
        float a = b2[c];
        for (int r = 0; r < R; r++)
            a += h[r] * w2[r * C + c];
        s[c] = 1.0f / (1.0f + expf(-a));
    }
    for (int c = 0; c < C; c++)
        for (int q = 0; q < S; q++)
            y[c * S + q] = s[c] * x[c * S + q];
