/* decoy 08.2: the first step's h_0 term left out of dWh (h_0 assumed zero) */
    const size_t BH = (size_t)B * H;
    memset(g, 0, BH * sizeof(float));
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = h + (t + 1) * BH, *dht = dh + t * BH;
        float *dat = da + t * BH;
        double s = 0;
        for (size_t i = 0; i < BH; i++) {
            float total = g[i] + dht[i];
            s += (double)total * total;
            dat[i] = total * (1.0f - ht[i] * ht[i]);
        }
        norms[t] = (float)sqrt(s);
        matmul_blas(0, 1, B, H, H, 1.0f, dat, Wh, 0.0f, g);
    }
    matmul_blas(1, 0, H, H, (T - 1) * B, 1.0f, h + BH, da + BH, 0.0f, dWh);
