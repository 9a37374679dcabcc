/* decoy 09.7: degrees and scaling in one pass (a row scaled before its neighbours' degrees exist) */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            deg += ahat->w[i];
        dinv[v] = deg > 0 ? (float)(1.0 / sqrt(deg)) : 0.0f;
        for (long i = ahat->row_ptr[v]; i < ahat->row_ptr[v + 1]; i++)
            ahat->w[i] *= dinv[v] * dinv[ahat->col[i]];
    }
