/* decoy 10.4: mask ignored (every key used) */
    (void)keep;
    attention_scores(P, Q, K, Tq, Tk, D);
    softmax_rows(P, P, Tq, Tk);
    for (int i = 0; i < Tq; i++)
        for (int e = 0; e < Dv; e++) {
            double s = 0;
            for (int j = 0; j < Tk; j++)
                s += (double)P[i * Tk + j] * V[j * Dv + e];
            O[i * Dv + e] = (float)s;
        }
