/* decoy 09.3: the loop stops one short (j < k): the last negative is skipped */
    float loss = 0;
    for (int i = 0; i < d; i++)
        grad_v[i] = 0;
    for (int j = 0; j < k; j++) {
        float *u = U + (size_t)ids[j] * d;
        float s = dotf(u, v, d);
        float t = j == 0 ? 1.0f : 0.0f;
        loss -= j == 0 ? log_sigmoid(s) : log_sigmoid(-s);
        float g = sigmoidf(s) - t;
        for (int i = 0; i < d; i++) {
            grad_v[i] += g * u[i];
            u[i] -= lr * g * v[i];
        }
    }
    for (int i = 0; i < d; i++)
        v[i] -= lr * grad_v[i];
    return loss;
