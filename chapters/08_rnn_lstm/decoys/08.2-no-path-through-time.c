/* decoy 08.2: no path through time: each step sees only its own loss gradient (the window is one step long) */
    const size_t BH = (size_t)B * H;
    (void)g, (void)Wh;
    for (int t = T - 1; t >= 0; t--) {
        const float *ht = h + (t + 1) * BH, *dht = dh + t * BH;
        float *dat = da + t * BH;
        double s = 0;
        for (size_t i = 0; i < BH; i++) {
            s += (double)dht[i] * dht[i];
            dat[i] = dht[i] * (1.0f - ht[i] * ht[i]);
        }
        norms[t] = (float)sqrt(s);
    }
    matmul_blas(1, 0, H, H, T * B, 1.0f, h, da, 0.0f, dWh);
