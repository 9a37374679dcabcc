/* decoy 08.3: all four blocks squashed by the sigmoid, the candidate g too */
    for (int r = 0; r < B; r++) {
        float *a = gates + (size_t)r * 4 * H;
        for (int j = 0; j < H; j++) {
            float i = sigmoid1(a[j]), f = sigmoid1(a[H + j]), gg = sigmoid1(a[2 * H + j]), o = sigmoid1(a[3 * H + j]);
            a[j] = i, a[H + j] = f, a[2 * H + j] = gg, a[3 * H + j] = o;
            size_t k = (size_t)r * H + j;
            c[k] = f * c_prev[k] + i * gg;
            tc[k] = tanhf(c[k]);
            h[k] = o * tc[k];
        }
    }
