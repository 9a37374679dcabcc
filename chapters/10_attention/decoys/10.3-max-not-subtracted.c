/* decoy 10.3: maximum not subtracted (exp overflows on large scores) */
    for (int i = 0; i < Tq; i++) {
        double sum = 0;
        for (int j = 0; j < Tk; j++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j]);
        for (int j = 0; j < Tk; j++)
            P[i * Tk + j] = sum > 0 ? (float)(P[i * Tk + j] / sum) : 0.0f;
    }
