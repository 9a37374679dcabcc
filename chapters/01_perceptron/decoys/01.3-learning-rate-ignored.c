/* decoy 01.3: the learning rate is ignored */
    float z = neuron_preactivation(p->w, x, p->d, p->b);
    if ((float)y * z > 0)
        return 0;
    for (int j = 0; j < p->d; j++)
        p->w[j] += (float)y * x[j];
    p->b += (float)y;
    return 1;
