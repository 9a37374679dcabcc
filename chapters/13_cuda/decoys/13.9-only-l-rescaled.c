/* decoy 13.9: l is rescaled, the output o is not */
    float m_new = fmaxf(*m, m_tile);
    if (m_new == -INFINITY)
        return;
    *l *= expf(*m - m_new);
    *m = m_new;
