/* decoy 08.5: reset and update gates read from each other's blocks */
    for (int b = 0; b < B; b++) {
        float *u = gates + (size_t)b * 3 * H;
        const float *w = v + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float z = sigmoid1(u[j] + w[j]), r = sigmoid1(u[H + j] + w[H + j]);
            float n = tanhf(u[2 * H + j] + r * w[2 * H + j]);
            u[j] = r, u[H + j] = z, u[2 * H + j] = n;
            size_t k = (size_t)b * H + j;
            h[k] = (1.0f - z) * n + z * h_prev[k];
        }
    }
