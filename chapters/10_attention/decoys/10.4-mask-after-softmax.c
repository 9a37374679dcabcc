/* decoy 10.4: mask applied after the softmax (rows no longer sum to 1) */
    attention_scores(P, Q, K, Tq, Tk, D);
    softmax_rows(P, P, Tq, Tk);
    if (keep)
        for (int i = 0; i < Tq * Tk; i++)
            if (!keep[i])
                P[i] = 0;
    for (int i = 0; i < Tq; i++)
        for (int e = 0; e < Dv; e++) {
            double s = 0;
            for (int j = 0; j < Tk; j++)
                s += (double)P[i * Tk + j] * V[j * Dv + e];
            O[i * Dv + e] = (float)s;
        }
