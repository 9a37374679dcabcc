/* decoy 10.1: scores not divided by sqrt(D) */
    for (int i = 0; i < Tq; i++)
        for (int j = 0; j < Tk; j++) {
            double s = 0;
            for (int d = 0; d < D; d++)
                s += (double)Q[i * D + d] * K[j * D + d];
            S[i * Tk + j] = (float)s;
        }
