/* decoy 07.7: output size taken as H / stride */
    const int OH = H / stride, OW = W / stride;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++) {
            const float g = dy[i * OW + j] / (float)(k * k);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                    dx[(i * stride + u) * W + j * stride + v] += g;
        }
