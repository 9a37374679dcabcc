/* decoy 09.8: the relation moved by the positive triple only */
    float loss = margin + transe_dist(E, R, pos, d) - transe_dist(E, R, neg, d);
    if (loss <= 0)
        return 0;
    float *gp = g, *gn = g + d;
    const float *h = E + (size_t)pos[0] * d, *t = E + (size_t)pos[2] * d, *r = R + (size_t)pos[1] * d;
    const float *hn = E + (size_t)neg[0] * d, *tn = E + (size_t)neg[2] * d;
    for (int i = 0; i < d; i++)
        gp[i] = signf(h[i] + r[i] - t[i]), gn[i] = signf(hn[i] + r[i] - tn[i]);
    float *eh = E + (size_t)pos[0] * d, *et = E + (size_t)pos[2] * d, *er = R + (size_t)pos[1] * d;
    float *ehn = E + (size_t)neg[0] * d, *etn = E + (size_t)neg[2] * d;
    for (int i = 0; i < d; i++) {
        eh[i] -= lr * gp[i];
        et[i] += lr * gp[i];
        er[i] -= lr * gp[i];
        ehn[i] += lr * gn[i];
        etn[i] -= lr * gn[i];
    }
    return loss;
