/* decoy 13.15: l is rescaled when the maximum grows, the output o is not */
    float s[EX_KT], m_tile = -INFINITY;
    for (int j = 0; j < nkeys; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        s[j] = scale * dot;
        m_tile = fmaxf(m_tile, s[j]);
    }
    float m_new = fmaxf(*m, m_tile);
    *l *= expf(*m - m_new);
    for (int j = 0; j < nkeys; j++) {
        float p = expf(s[j] - m_new);
        *l += p;
        for (int i = 0; i < EX_D; i++)
            o[i] += p * LD(Vs, j * EX_D + i);
    }
    *m = m_new;
