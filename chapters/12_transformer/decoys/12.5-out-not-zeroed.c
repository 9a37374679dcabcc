/* decoy 12.5: out accumulated (+=) without being zeroed first */
    memcpy(K + (size_t)pos * Dh, k_new, (size_t)Dh * sizeof(float));
    memcpy(V + (size_t)pos * Dh, v_new, (size_t)Dh * sizeof(float));
    const float scale = 1.0f / sqrtf((float)Dh);
    float mx = -INFINITY;
    for (int j = 0; j <= pos; j++) {
        float s = 0;
        for (int d = 0; d < Dh; d++)
            s += q[d] * K[(size_t)j * Dh + d];
        scores[j] = s * scale;
        mx = fmaxf(mx, scores[j]);
    }
    double sum = 0;
    for (int j = 0; j <= pos; j++)
        sum += scores[j] = expf(scores[j] - mx);
    for (int j = 0; j <= pos; j++)
        for (int d = 0; d < Dh; d++)
            out[d] += (float)(scores[j] / sum) * V[(size_t)j * Dh + d];
