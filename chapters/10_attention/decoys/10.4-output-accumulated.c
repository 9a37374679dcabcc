/* decoy 10.4: O accumulated with += into a buffer never zeroed */
    attention_scores(P, Q, K, Tq, Tk, D);
    if (keep)
        for (int i = 0; i < Tq * Tk; i++)
            if (!keep[i])
                P[i] = -INFINITY;
    softmax_rows(P, P, Tq, Tk);
    for (int i = 0; i < Tq; i++)
        for (int j = 0; j < Tk; j++)
            for (int e = 0; e < Dv; e++)
                O[i * Dv + e] += P[i * Tk + j] * V[j * Dv + e];
