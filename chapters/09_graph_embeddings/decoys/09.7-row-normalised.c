/* decoy 09.7: the row average D^-1 (A + I) instead of the symmetric D^-1/2 (A + I) D^-1/2 */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->offsets[v]; i < ahat->offsets[v + 1]; i++)
            deg += ahat->weights[i];
        dinv[v] = deg > 0 ? (float)(1.0 / deg) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->offsets[v]; i < ahat->offsets[v + 1]; i++)
            ahat->weights[i] *= dinv[v];
