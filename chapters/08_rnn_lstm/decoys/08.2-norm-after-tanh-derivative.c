/* decoy 08.2: norms[t] taken of da_t (after the tanh derivative) instead of the total dh_t */
    const size_t BH = (size_t)B * H;
    memset(g, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = h + (t + 1) * BH, *dht = dh + t * BH;
        float *dat = da + t * BH;
        double s = 0;
        for (size_t i = 0; i < BH; i++) {
            float total = g[i] + dht[i];
            dat[i] = total * (1.0f - ht[i] * ht[i]);
            s += (double)dat[i] * dat[i];
        }
        norms[t] = (float)sqrt(s);
        matmul_blas(0, 1, B, H, H, 1.0f, dat, Wh, 0.0f, g);
    }
    matmul_blas(1, 0, H, H, T * B, 1.0f, h, da, 0.0f, dWh);
