/* decoy 01.3: y z = 0 not counted as a mistake (< instead of <=) */
    float z = neuron_preactivation(p->w, x, p->d, p->b);
    if ((float)y * z >= 0)
        return 0;
    for (int j = 0; j < p->d; j++)
        p->w[j] += lr * (float)y * x[j];
    p->b += lr * (float)y;
    return 1;
