/* decoy 12.5: the softmax's maximum is taken over the cached rows 0 .. pos - 1 only, not the new key's score */
    memcpy(K + (size_t)pos * Dh, k_new, (size_t)Dh * sizeof(float));
    memcpy(V + (size_t)pos * Dh, v_new, (size_t)Dh * sizeof(float));
    const float scale = 1.0f / sqrtf((float)Dh);
    for (int j = 0; j <= pos; j++) {
        float s = 0;
        for (int d = 0; d < Dh; d++)
            s += q[d] * K[(size_t)j * Dh + d];
        scores[j] = s * scale;
    }
    float mx = scores[0];
    for (int j = 1; j < pos; j++)
        mx = fmaxf(mx, scores[j]);
    double sum = 0;
    for (int j = 0; j <= pos; j++)
        sum += scores[j] = expf(scores[j] - mx);
    for (int d = 0; d < Dh; d++)
        out[d] = 0.0f;
    for (int j = 0; j <= pos; j++)
        for (int d = 0; d < Dh; d++)
            out[d] += (float)(scores[j] / sum) * V[(size_t)j * Dh + d];
