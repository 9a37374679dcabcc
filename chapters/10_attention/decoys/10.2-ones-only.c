/* decoy 10.2: only the allowed entries written (the forbidden ones never set to 0) */
    for (int i = 0; i < T; i++)
        for (int j = 0; j <= i; j++)
            keep[i * T + j] = 1;
