/* decoy 10.3: the row's first score subtracted instead of its maximum */
    for (int i = 0; i < Tq; i++) {
        float m = -INFINITY;
        for (int j = 0; j < Tk; j++)
            if (S[i * Tk + j] != -INFINITY) {
                m = S[i * Tk + j];
                break;
            }
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
