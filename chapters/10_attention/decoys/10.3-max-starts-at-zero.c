/* decoy 10.3: running maximum started at 0 (rows of very negative scores underflow to zeros) */
    for (int i = 0; i < Tq; i++) {
        float m = 0;
        for (int j = 0; j < Tk; j++)
            m = fmaxf(m, S[i * Tk + j]);
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j] - m);
        for (int j = 0; j < Tk; j++)
            P[i * Tk + j] = sum > 0 ? (float)(P[i * Tk + j] / sum) : 0.0f;
    }
