/* decoy 07.7: avg-pool backward dividing by k instead of k^2 */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++)
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                    dx[(i * stride + u) * W + j * stride + v] += dy[i * OW + j] / (float)k;
