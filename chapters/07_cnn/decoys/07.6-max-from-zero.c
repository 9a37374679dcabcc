/* decoy 07.6: running max starts at 0 instead of the window's first value */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            int best = i * stride * W + j * stride;
            float top = 0.0f;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) {
                    int at = (i * stride + u) * W + j * stride + v;
                    if (x[at] > top)
                        best = at, top = x[at];
                }
            dx[best] += dy[i * OW + j];
        }
