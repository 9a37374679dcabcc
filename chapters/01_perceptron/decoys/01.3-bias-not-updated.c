/* decoy 01.3: the bias is not updated */
    float z = neuron_preactivation(p->w, x, p->d, p->b);
    if ((float)y * z > 0)
        return 0;
    for (int j = 0; j < p->d; j++)
        p->w[j] += lr * (float)y * x[j];
    return 1;
