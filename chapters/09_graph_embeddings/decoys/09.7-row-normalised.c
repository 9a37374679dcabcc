/* decoy 09.7: the row average D^-1 (A + I) instead of the symmetric D^-1/2 (A + I) D^-1/2 */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            deg += ahat->w[i];
        dinv[v] = deg > 0 ? (float)(1.0 / deg) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            ahat->w[i] *= dinv[v];
