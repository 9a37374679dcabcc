/* decoy 07.6: max-pool backward routing to the wrong index (the winner's offset inside its window) */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            int best = 0;
            float bv = x[i * stride * W + j * stride];
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) {
                    float val = x[(i * stride + u) * W + j * stride + v];
                    if (val > bv)
                        bv = val, best = u * k + v;
                }
            dx[best] += dy[i * OW + j];
        }
