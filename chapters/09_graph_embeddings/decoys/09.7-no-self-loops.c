/* decoy 09.7: D^-1/2 A D^-1/2 without self loops (the diagonal dropped from degrees and weights) */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            if (ahat->col[i] != v)
                deg += ahat->w[i];
        dinv[v] = deg > 0 ? (float)(1.0 / sqrt(deg)) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            ahat->w[i] = ahat->col[i] == v ? 0.0f : ahat->w[i] * dinv[v] * dinv[ahat->col[i]];
