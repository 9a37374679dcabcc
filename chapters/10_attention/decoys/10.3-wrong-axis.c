/* decoy 10.3: softmax over the wrong axis (each column normalized, over the queries) */
    for (int j = 0; j < Tk; j++) {
        float m = -INFINITY;
        for (int i = 0; i < Tq; i++)
            m = fmaxf(m, S[i * Tk + j]);
        if (m == -INFINITY) {
            for (int i = 0; i < Tq; i++)
                P[i * Tk + j] = 0;
            continue;
        }
        double sum = 0;
        for (int i = 0; i < Tq; i++)
            sum += P[i * Tk + j] = expf(S[i * Tk + j] - m);
        for (int i = 0; i < Tq; i++)
            P[i * Tk + j] = (float)(P[i * Tk + j] / sum);
    }
