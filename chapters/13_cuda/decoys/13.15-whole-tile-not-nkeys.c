/* decoy 13.15: all EX_KT keys of the tile used, nkeys ignored (the zero padding of the last tile counts) */
    float s[EX_KT], m_tile = -INFINITY;
    for (int j = 0; j < EX_KT; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        s[j] = scale * dot;
        m_tile = fmaxf(m_tile, s[j]);
    }
    float m_new = fmaxf(*m, m_tile);
    float c = expf(*m - m_new);
    *l *= c;
    for (int i = 0; i < EX_D; i++)
        o[i] *= c;
    for (int j = 0; j < EX_KT; j++) {
        float p = expf(s[j] - m_new);
        *l += p;
        for (int i = 0; i < EX_D; i++)
            o[i] += p * LD(Vs, j * EX_D + i);
    }
    *m = m_new;
