/* decoy 10.3: the maximum is taken over keys 0 .. Tk - 2 (the loop stops one short): the last key is not in it */
    for (int i = 0; i < Tq; i++) {
        float m = -INFINITY;
        for (int j = 0; j < Tk - 1; j++)
            m = fmaxf(m, S[i * Tk + j]);
        if (m == -INFINITY) {
            for (int j = 0; j < Tk; j++)
                P[i * Tk + j] = 0;
            continue;
        }
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j] - m);
        for (int j = 0; j < Tk; j++)
            P[i * Tk + j] = (float)(P[i * Tk + j] / sum);
    }
