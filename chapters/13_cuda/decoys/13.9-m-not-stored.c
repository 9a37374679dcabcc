/* decoy 13.9: the new maximum is not stored in *m */
    float m_new = fmaxf(*m, m_tile);
    if (m_new == -INFINITY)
        return;
    float c = expf(*m - m_new);
    for (int i = 0; i < d; i++)
        o[i] *= c;
    *l *= c;
