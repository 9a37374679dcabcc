/* decoy 09.9: w~_j's gradient taken from w_i after w_i moved */
    const int d = m->d;
    float *wi = m->W + (size_t)i * d, *wj = m->Wc + (size_t)j * d;
    float *gi = m->GW + (size_t)i * d, *gj = m->GWc + (size_t)j * d;
    float f = x < m->xmax ? powf(x / m->xmax, m->alpha) : 1.0f;
    float e = dotf(wi, wj, d) + m->b[i] + m->bc[j] - logf(x);
    float fe = f * e;
    for (int k = 0; k < d; k++) {
        float g1 = fe * wj[k];
        gi[k] += g1 * g1;
        wi[k] -= lr * g1 / sqrtf(gi[k]);
        float g2 = fe * wi[k];
        gj[k] += g2 * g2;
        wj[k] -= lr * g2 / sqrtf(gj[k]);
    }
    m->Gb[i] += fe * fe, m->Gbc[j] += fe * fe;
    m->b[i] -= lr * fe / sqrtf(m->Gb[i]);
    m->bc[j] -= lr * fe / sqrtf(m->Gbc[j]);
    return 0.5f * f * e * e;
