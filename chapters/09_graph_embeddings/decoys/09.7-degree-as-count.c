/* decoy 09.7: the degree taken as the number of entries in the row, not the sum of its weights */
    for (int v = 0; v < ahat->n; v++) {
        double deg = (double)(ahat->row_ptr[v + 1] - ahat->row_ptr[v]);
        dinv[v] = deg > 0 ? (float)(1.0 / sqrt(deg)) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            ahat->w[i] *= dinv[v] * dinv[ahat->col[i]];
