/* decoy 13.9: no guard for a maximum still at -inf (exp(-inf - (-inf)) is NaN) */
    float m_new = fmaxf(*m, m_tile);
    float c = expf(*m - m_new);
    for (int i = 0; i < d; i++)
        o[i] *= c;
    *l *= c;
    *m = m_new;
