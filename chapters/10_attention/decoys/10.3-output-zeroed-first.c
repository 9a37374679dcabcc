/* decoy 10.3: P cleared before reading S (wipes the scores when called in place, P == S) */
    memset(P, 0, sizeof(float) * (size_t)Tq * Tk);
    for (int i = 0; i < Tq; i++) {
        float m = -INFINITY;
        for (int j = 0; j < Tk; j++)
            m = fmaxf(m, S[i * Tk + j]);
        if (m == -INFINITY)
            continue;
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j] - m);
        for (int j = 0; j < Tk; j++)
            P[i * Tk + j] = (float)(P[i * Tk + j] / sum);
    }
