/* decoy 13.15: scores divided by sqrt(EX_D), the scale argument ignored */
    float s[EX_KT], m_tile = -INFINITY;
    for (int j = 0; j < nkeys; j++) {
        float dot = 0.0f;
        for (int i = 0; i < EX_D; i++)
            dot += q[i] * LD(Ks, j * EX_D + i);
        s[j] = dot / sqrtf((float)EX_D);
        m_tile = fmaxf(m_tile, s[j]);
    }
    (void)scale;
    float m_new = fmaxf(*m, m_tile);
    float c = expf(*m - m_new);
    *l *= c;
    for (int i = 0; i < EX_D; i++)
        o[i] *= c;
    for (int j = 0; j < nkeys; j++) {
        float p = expf(s[j] - m_new);
        *l += p;
        for (int i = 0; i < EX_D; i++)
            o[i] += p * LD(Vs, j * EX_D + i);
    }
    *m = m_new;
