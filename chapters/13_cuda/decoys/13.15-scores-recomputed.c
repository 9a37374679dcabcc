/* decoy 13.15: the scores are recomputed for the product with V (K read D + 1 times) */
    float m_tile = -INFINITY;
    for (int j = 0; j < nkeys; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        m_tile = fmaxf(m_tile, scale * dot);
    }
    float m_new = fmaxf(*m, m_tile), c = expf(*m - m_new);
    *l *= c;
    for (int i = 0; i < EX_D; i++)
        o[i] *= c;
    for (int j = 0; j < nkeys; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        float p = expf(scale * dot - m_new);
        *l += p;
        for (int i = 0; i < EX_D; i++)
            o[i] += p * LD(Vs, j * EX_D + i);
    }
    *m = m_new;
