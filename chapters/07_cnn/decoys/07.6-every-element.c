/* decoy 07.6: max-pool backward routing the gradient to every element of the window */
    const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
    memset(dx, 0, (size_t)H * W * sizeof(float));
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++)
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                    dx[(i * stride + u) * W + j * stride + v] += dy[i * OW + j];
