/* decoy 01.1: off by one, the last input is skipped */
    float z = b;
    for (int j = 0; j < d - 1; j++)
        z += w[j] * x[j];
    return z;
