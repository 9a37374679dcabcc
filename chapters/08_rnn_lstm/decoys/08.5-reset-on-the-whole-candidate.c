/* decoy 08.5: the reset gate scales the whole candidate input: n = tanh(r (u_n + v_n)) */
    for (int b = 0; b < B; b++) {
        float *u = gates + (size_t)b * 3 * H;
        const float *w = v + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float r = sigmoid1(u[j] + w[j]), z = sigmoid1(u[H + j] + w[H + j]);
            float n = tanhf(r * (u[2 * H + j] + w[2 * H + j]));
            u[j] = r, u[H + j] = z, u[2 * H + j] = n;
            size_t k = (size_t)b * H + j;
            h[k] = (1.0f - z) * n + z * h_prev[k];
        }
    }
