/* decoy 08.5: the update gate's convention swapped: h = z n + (1 - z) h_prev */
    for (int b = 0; b < B; b++) {
        float *u = gates + (size_t)b * 3 * H;
        const float *w = v + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float r = sigmoid1(u[j] + w[j]), z = sigmoid1(u[H + j] + w[H + j]);
            float n = tanhf(u[2 * H + j] + r * w[2 * H + j]);
            u[j] = r, u[H + j] = z, u[2 * H + j] = n;
            size_t k = (size_t)b * H + j;
            h[k] = z * n + (1.0f - z) * h_prev[k];
        }
    }
