/* decoy 09.7: D^-1/2 A D^-1/2 without self loops (the diagonal dropped from degrees and weights) */
    for (int v = 0; v < ahat->n; v++) {
        double deg = 0;
        for (long i = ahat->offsets[v]; i < ahat->offsets[v + 1]; i++)
            if (ahat->targets[i] != v)
                deg += ahat->weights[i];
        dinv[v] = deg > 0 ? (float)(1.0 / sqrt(deg)) : 0.0f;
    }
    for (int v = 0; v < ahat->n; v++)
        for (long i = ahat->offsets[v]; i < ahat->offsets[v + 1]; i++)
            ahat->weights[i] = ahat->targets[i] == v ? 0.0f : ahat->weights[i] * dinv[v] * dinv[ahat->targets[i]];
