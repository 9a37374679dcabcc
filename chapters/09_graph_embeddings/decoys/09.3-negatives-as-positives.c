/* decoy 09.3: every sampled node treated as a true context (label 1 for the negatives too) */
    float loss = 0;
    for (int i = 0; i < d; i++)
        grad_v[i] = 0;
    for (int j = 0; j <= k; j++) {
        float *u = U + (size_t)ids[j] * d;
        float s = dotf(u, v, d);
        loss -= log_sigmoid(s);
        float g = sigmoidf(s) - 1.0f;
        for (int i = 0; i < d; i++) {
            grad_v[i] += g * u[i];
            u[i] -= lr * g * v[i];
        }
    }
    for (int i = 0; i < d; i++)
        v[i] -= lr * grad_v[i];
    return loss;
