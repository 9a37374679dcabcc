/* decoy 13.9: the rescaling loop runs to i <= d (one entry past o's end) */
    float m_new = fmaxf(*m, m_tile);
    if (m_new == -INFINITY)
        return;
    float c = expf(*m - m_new);
    for (int i = 0; i <= d; i++)
        o[i] *= c;
    *l *= c;
    *m = m_new;
