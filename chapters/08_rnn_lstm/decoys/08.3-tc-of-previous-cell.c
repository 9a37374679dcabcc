/* decoy 08.3: tanh taken of c_{t-1} instead of c_t */
    for (int r = 0; r < B; r++) {
        float *a = gates + (size_t)r * 4 * H;
        for (int j = 0; j < H; j++) {
            float i = sigmoid1(a[j]), f = sigmoid1(a[H + j]), gg = tanhf(a[2 * H + j]), o = sigmoid1(a[3 * H + j]);
            a[j] = i, a[H + j] = f, a[2 * H + j] = gg, a[3 * H + j] = o;
            size_t k = (size_t)r * H + j;
            c[k] = f * c_prev[k] + i * gg;
            tc[k] = tanhf(c_prev[k]);
            h[k] = o * tc[k];
        }
    }
