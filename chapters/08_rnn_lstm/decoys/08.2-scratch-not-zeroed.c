/* decoy 08.2: the carried gradient g not zeroed before the last step (scratch assumed clean) */
    const size_t BH = (size_t)B * H;
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
    matmul_blas(1, 0, H, H, T * B, 1.0f, h, da, 0.0f, dWh);
