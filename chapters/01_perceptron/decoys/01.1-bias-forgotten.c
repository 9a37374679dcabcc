/* decoy 01.1: the bias is forgotten */
    float z = 0;
    for (int j = 0; j < d; j++)
        z += w[j] * x[j];
    return z;
