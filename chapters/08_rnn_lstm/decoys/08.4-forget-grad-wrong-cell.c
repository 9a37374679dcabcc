/* decoy 08.4: forget gate's gradient uses tanh(c_t) instead of c_{t-1} */
    for (int r = 0; r < B; r++)
        for (int j = 0; j < H; j++) {
            const float *gr = gates + (size_t)r * 4 * H;
            float *dr = da + (size_t)r * 4 * H;
            size_t k = (size_t)r * H + j;
            float i = gr[j], f = gr[H + j], g = gr[2 * H + j], o = gr[3 * H + j], t = tc[k];
            float dct = dc[k] + dh[k] * o * (1.0f - t * t);
            dr[j] = dct * g * i * (1.0f - i);
            dr[H + j] = dct * t * f * (1.0f - f);
            dr[2 * H + j] = dct * i * (1.0f - g * g);
            dr[3 * H + j] = dh[k] * t * o * (1.0f - o);
            dc[k] = dct * f;
        }
