/* decoy 10.2: causal mask off by one (the diagonal masked: j < i) */
    for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++)
            keep[i * T + j] = j < i;
