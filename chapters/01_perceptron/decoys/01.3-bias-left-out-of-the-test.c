/* decoy 01.3: the mistake test computes w.x without the bias */
    float z = 0;
    for (int j = 0; j < p->d; j++)
        z += p->w[j] * x[j];
    if ((float)y * z > 0)
        return 0;
    for (int j = 0; j < p->d; j++)
        p->w[j] += lr * (float)y * x[j];
    p->b += lr * (float)y;
    return 1;
