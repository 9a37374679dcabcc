/* decoy 07.6: ties go to the last maximum (>= instead of >) */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            int best = i * stride * W + j * stride;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++) {
                    int at = (i * stride + u) * W + j * stride + v;
                    if (x[at] >= x[best])
                        best = at;
                }
            dx[best] += dy[i * OW + j];
        }
